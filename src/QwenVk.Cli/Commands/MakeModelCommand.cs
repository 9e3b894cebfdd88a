using System.CommandLine;
using QwenVk.Tools.Checkpoints;

namespace QwenVk.Cli.Commands;

/// <summary>`qwenvk make-model`: a random checkpoint in the exact Hugging Face layout, deterministic from a seed.</summary>
static class MakeModelCommand
{
    public static Command Create()
    {
        var arch = new Option<string?>("--arch") { Description = "qwen2 (also Qwen2.5) or qwen3. Default: the preset's, else qwen2." };
        var outDir = new Option<string>("--out", "-o") { Description = "Folder to write (created; existing files are replaced).", Required = true };
        var preset = new Option<string?>("--preset") { Description = "Start from a real model's shape: qwen2.5-0.5b or qwen3-0.6b." };
        var hidden = new Option<int?>("--hidden") { Description = "hidden_size (default 64)." };
        var inter = new Option<int?>("--intermediate") { Description = "intermediate_size (default 160)." };
        var layers = new Option<int?>("--layers") { Description = "num_hidden_layers (default 2)." };
        var heads = new Option<int?>("--heads") { Description = "num_attention_heads (default 4)." };
        var kvHeads = new Option<int?>("--kv-heads") { Description = "num_key_value_heads (default 2)." };
        var headDim = new Option<int?>("--head-dim") { Description = "head_dim (default hidden/heads; Qwen3 may differ)." };
        var vocab = new Option<int?>("--vocab") { Description = "vocab_size (default 512; with --tokenizer, the tokenizer's id count rounded up to 128)." };
        var dtype = new Option<string>("--dtype") { Description = "bf16, f16 or f32 on disk.", DefaultValueFactory = _ => "bf16" };
        var tie = new Option<bool?>("--tie") { Description = "tie_word_embeddings (lm_head shares embed_tokens). Default: true." };
        var shards = new Option<int>("--shards") { Description = "Number of safetensors shards (1 = model.safetensors).", DefaultValueFactory = _ => 1 };
        var seed = new Option<ulong>("--seed") { Description = "Random seed; the same seed writes the same bytes.", DefaultValueFactory = _ => 1 };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "A tokenizer.json (or .json.gz) to copy in; its tokenizer_config.json is taken from beside it when present." };
        var cmd = new Command("make-model", "Write a small random Qwen2/Qwen3 checkpoint in the exact Hugging Face layout (config.json, generation_config.json, safetensors). Its text means nothing: it is for tests and benchmarks.")
        {
            arch, outDir, preset, hidden, inter, layers, heads, kvHeads, headDim, vocab, dtype, tie, shards, seed, tokenizer,
        };
        cmd.SetAction(r =>
        {
            var spec = r.GetValue(preset)?.ToLowerInvariant() switch
            {
                null => new CheckpointSpec(),
                "qwen2.5-0.5b" => CheckpointSpec.Qwen25HalfB,
                "qwen3-0.6b" => CheckpointSpec.Qwen3_06B,
                var p => throw new ArgumentException($"unknown --preset '{p}'; known: qwen2.5-0.5b, qwen3-0.6b."),
            };
            spec = spec with
            {
                Architecture = r.GetValue(arch)?.ToLowerInvariant() switch
                {
                    null => spec.Architecture,
                    "qwen2" or "qwen2.5" => MakerArchitecture.Qwen2,
                    "qwen3" => MakerArchitecture.Qwen3,
                    var a => throw new ArgumentException($"unknown --arch '{a}'; use qwen2 or qwen3."),
                },
                DType = r.GetValue(dtype)?.ToLowerInvariant() switch
                {
                    "bf16" => MakerDType.BF16,
                    "f16" or "fp16" => MakerDType.F16,
                    "f32" or "fp32" => MakerDType.F32,
                    var d => throw new ArgumentException($"unknown --dtype '{d}'; use bf16, f16 or f32."),
                },
                HiddenSize = r.GetValue(hidden) ?? spec.HiddenSize,
                IntermediateSize = r.GetValue(inter) ?? spec.IntermediateSize,
                Layers = r.GetValue(layers) ?? spec.Layers,
                Heads = r.GetValue(heads) ?? spec.Heads,
                KeyValueHeads = r.GetValue(kvHeads) ?? spec.KeyValueHeads,
                HeadDim = r.GetValue(headDim) ?? spec.HeadDim,
                VocabSize = r.GetValue(vocab) ?? spec.VocabSize,
                TieWordEmbeddings = r.GetValue(tie) ?? spec.TieWordEmbeddings,
                Shards = r.GetValue(shards),
                Seed = r.GetValue(seed),
                TokenizerJson = r.GetValue(tokenizer),
                TokenizerConfigJson = TokenizerConfigBeside(r.GetValue(tokenizer)),
            };
            if (r.GetValue(tokenizer) is { } tokenizerFile) spec = FitToTokenizer(spec, tokenizerFile, r.GetValue(vocab));
            var made = CheckpointMaker.Make(spec, r.GetValue(outDir)!);
            Console.WriteLine($"wrote {made.Folder}: {spec.Architecture} hidden {spec.HiddenSize}, {spec.Layers} layers, vocab {spec.VocabSize}, {spec.DType}, " +
                              $"{made.WeightFiles.Count} weight file(s), {made.TotalBytes / 1048576.0:F1} MiB (random weights)");
            return 0;
        });
        return cmd;
    }

    /// <summary>A checkpoint with a tokenizer must cover its ids: the chat template's tokens sit at the end of Qwen's
    /// vocabulary, far beyond the default 512 rows. Without --vocab the embedding is sized from the tokenizer
    /// (rounded up to 128 rows, as Qwen pads it); a --vocab too small is refused. Bos/eos come from it too.</summary>
    static CheckpointSpec FitToTokenizer(CheckpointSpec spec, string tokenizerFile, int? vocab)
    {
        var tok = QwenVk.Model.Text.QwenTokenizer.Load(tokenizerFile);
        if (vocab is int v && v < tok.VocabSize)
            throw new ArgumentException($"--vocab {v} is smaller than the tokenizer's {tok.VocabSize} ids ({tokenizerFile}); give at least {tok.VocabSize}, or leave --vocab out to size it from the tokenizer.");
        return spec with
        {
            VocabSize = vocab ?? (tok.VocabSize + 127) / 128 * 128,
            BosTokenId = tok.EndOfTextId,
            EosTokenIds = [tok.ImEndId, tok.EndOfTextId],
        };
    }

    static string? TokenizerConfigBeside(string? tokenizer)
    {
        if (tokenizer is null) return null;
        var dir = Path.GetDirectoryName(Path.GetFullPath(tokenizer))!;
        var candidate = Path.Combine(dir, "tokenizer_config.json");
        return File.Exists(candidate) ? candidate : null;
    }
}
