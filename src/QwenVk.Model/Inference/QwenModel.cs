using QwenVk.Model.Checkpoints;
using QwenVk.Runtime;
using QwenVk.Runtime.Graph;
using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Model.Inference;

public sealed record ModelOptions
{
    /// <summary>Tokens the KV cache holds. Null: the model's max_position_embeddings, at most 4096.</summary>
    public int? ContextLength { get; init; }
    /// <summary>Longest prompt piece one prefill graph takes; longer prompts run in several pieces.</summary>
    public int MaxPrefillTokens { get; init; } = 512;
    public CompileOptions Compile { get; init; } = new();
    /// <summary>Split weights into row chunks of at most this many bytes even where the device would bind more
    /// (tests use it to exercise the split path that big models need on every device).</summary>
    public ulong? MaxWeightChunkBytes { get; init; }
    /// <summary>Workgroups per query head in decode attention (flash decoding). Null: the device's choice
    /// (<see cref="AttentionKernel.DecodeSplits"/>); tests set it to exercise the split path on every device.</summary>
    public int? AttentionSplits { get; init; }
    /// <summary>How weights are stored on the GPU: FP16 (default), or quantized at load to q8_0 / q4_0.</summary>
    public WeightQuant Quant { get; init; } = WeightQuant.F16;
}

/// <summary>
/// A Qwen2/Qwen2.5/Qwen3 checkpoint loaded on a Vulkan device with one KV cache (one sequence). Prompt pieces go
/// through a prefill graph of their length, single tokens through the decode graph, recorded once and replayed.
/// <see cref="Position"/> is how many tokens the cache holds; <see cref="Rewind"/> keeps a prefix (multi-turn chat
/// reuses the cache of earlier turns).
/// </summary>
public sealed class QwenModel : IDisposable
{
    readonly VulkanContext _ctx;
    readonly ModelState _state;
    readonly ModelOptions _options;
    readonly Dictionary<(int Tokens, GraphOutputs Outputs), CompiledGraph> _graphs = new();
    readonly LinkedList<(int, GraphOutputs)> _recent = new();
    const int KeepGraphs = 6;

    public QwenConfig Config { get; }
    public GenerationConfig? Generation { get; }
    public string Folder { get; }
    public int ContextLength { get; }
    public int Position { get; private set; }
    public long WeightBytes => _state.Weights.Bytes;
    /// <summary>Weight bytes one decode step reads: all of them, less an untied embedding table (decode gathers one
    /// row of it). tg tok/s times this is the bandwidth decode reads weights at.</summary>
    public long DecodeWeightBytes => WeightBytes - (Config.TieWordEmbeddings ? 0 : EmbeddingBytes);
    long EmbeddingBytes => _state.Weights[QwenWeights.Embeddings].Sum(c => (long)c.Type.Bytes);
    /// <summary>How the weights are stored on the GPU.</summary>
    public WeightQuant Quant => _options.Quant;
    public long KvCacheBytes => _state.Cache.Bytes;
    /// <summary>Workgroups per query head in decode attention (flash decoding when more than 1).</summary>
    public int AttentionSplits => _state.AttentionSplits;
    public DeviceCapabilities Device => _ctx.Capabilities;

    QwenModel(VulkanContext ctx, Checkpoint checkpoint, ModelState state, ModelOptions options, int context)
    {
        _ctx = ctx; _state = state; _options = options;
        Config = checkpoint.Config;
        Generation = checkpoint.Generation;
        Folder = checkpoint.Folder;
        ContextLength = context;
    }

    public static QwenModel Load(VulkanContext ctx, string folder, ModelOptions? options = null,
        IProgress<LoadProgress>? progress = null, CancellationToken cancel = default)
    {
        options ??= new ModelOptions();
        using var checkpoint = Checkpoint.Open(folder);
        var c = checkpoint.Config;
        int context = options.ContextLength ?? Math.Min(c.MaxPositionEmbeddings, 4096);
        if (context < 1) throw new ArgumentException($"the context length must be at least 1 token (got {context}).");
        if (options.MaxPrefillTokens < 1) throw new ArgumentException("the prefill piece length must be at least 1 token.");
        // Past max_position_embeddings a model without rope_scaling meets positions it was never trained on, and
        // its output quietly degrades; with rope_scaling the frequencies are stretched for them.
        if (context > c.MaxPositionEmbeddings && c.RopeScaling.Kind == RopeScalingKind.None)
            throw new ArgumentException($"a context of {context} tokens is beyond max_position_embeddings = {c.MaxPositionEmbeddings} in {c.SourceFile}, which has no rope_scaling to extend it; use at most {c.MaxPositionEmbeddings} tokens.");

        var caps = ctx.Capabilities;
        GpuWeights? weights = null;
        KvCache? cache = null;
        var buffers = new List<GpuBuffer>();
        GpuBuffer Buffer(ulong bytes, string name, BufferKind kind = BufferKind.DeviceLocal)
        {
            var b = ctx.CreateBuffer(bytes, name, kind);
            buffers.Add(b);
            return b;
        }
        try
        {
            weights = GpuWeights.Upload(ctx, checkpoint, progress, cancel, options.MaxWeightChunkBytes, options.Quant);
            cache = new KvCache(ctx, c.NumHiddenLayers, c.NumKeyValueHeads, context, c.HeadDim);

            var freq = RopeFrequencies.For(c, context);
            var table = RopeTable.Build(context, freq.InverseFrequencies, freq.AttentionFactor);
            var ropeType = TensorType.Of(DType.F32, context, c.HeadDim / 2, 2);
            if (ropeType.Bytes > caps.MaxStorageBufferRange)
                throw new ArgumentException($"the RoPE table for a context of {context} tokens ({ropeType.Bytes >> 20} MiB) is over this device's maxStorageBufferRange; use a shorter context length.");
            var rope = Buffer(ropeType.Bytes, "rope_table");
            rope.Upload<float>(table);

            int maxTokens = Math.Min(options.MaxPrefillTokens, context);
            ulong rowBytes = (ulong)c.VocabSize * 4;
            int maxLogitRows = (int)Math.Max(1, Math.Min((ulong)maxTokens, caps.MaxStorageBufferRange / rowBytes));
            var state = new ModelState
            {
                Weights = weights,
                Cache = cache,
                RopeTable = rope,
                RopeTableType = ropeType,
                Ids = Buffer((ulong)maxTokens * 4, "ids", BufferKind.HostVisible),
                Step = Buffer(4, "step", BufferKind.HostVisible),
                Logits = Buffer((ulong)maxLogitRows * rowBytes, "logits"),
                Argmax = Buffer((ulong)maxLogitRows * 4, "argmax"),
                Targets = Buffer((ulong)maxTokens * 4, "targets", BufferKind.HostVisible),
                TokenLogprobs = Buffer((ulong)maxLogitRows * 4, "token_logprobs"),
                MaxTokens = maxTokens,
                MaxLogitRows = maxLogitRows,
                AttentionSplits = options.AttentionSplits ?? AttentionKernel.DecodeSplits(caps, context),
            };
            return new QwenModel(ctx, checkpoint, state, options, context);
        }
        catch
        {
            weights?.Dispose();
            cache?.Dispose();
            foreach (var b in buffers) b.Dispose();
            throw;
        }
    }

    /// <summary>The compiled graph for <paramref name="tokens"/> tokens (compiled on first use, a few kept).</summary>
    public CompiledGraph Graph(int tokens, bool allLogits = false) =>
        Graph(tokens, allLogits ? GraphOutputs.AllLogits : GraphOutputs.LastLogits);

    /// <summary>The compiled graph for <paramref name="tokens"/> tokens leaving <paramref name="outputs"/>.</summary>
    public CompiledGraph Graph(int tokens, GraphOutputs outputs)
    {
        // All the logits of one token are the last token's: the decode graph.
        var key = (tokens, outputs == GraphOutputs.AllLogits && tokens == 1 ? GraphOutputs.LastLogits : outputs);
        if (_graphs.TryGetValue(key, out var g))
        {
            _recent.Remove(key);
            _recent.AddFirst(key);
            return g;
        }
        var built = QwenGraphBuilder.Build(Config, _state, tokens, key.Item2);
        g = GraphCompiler.Compile(_ctx, built.Graph, built.Externals, _options.Compile);
        _graphs[key] = g;
        _recent.AddFirst(key);
        // The decode graph always stays; the least recently used prefill graphs go.
        while (_recent.Count > KeepGraphs)
        {
            var old = _recent.Last!.Value;
            _recent.RemoveLast();
            if (old == (1, GraphOutputs.LastLogits)) { _recent.AddFirst(old); continue; }
            _graphs.Remove(old, out var evicted);
            evicted?.Dispose();
        }
        return g;
    }

    /// <summary>Runs <paramref name="ids"/> at the current position; returns the logits after the last one.</summary>
    public float[] Forward(ReadOnlySpan<int> ids)
    {
        RunPieces(ids, default, GraphOutputs.LastLogits, (_, _) => { });
        return _state.Logits.Read<float>(Config.VocabSize);
    }

    /// <summary>Runs <paramref name="ids"/> and returns the logits at every position ([ids.Length][vocab]).</summary>
    public float[][] ForwardAll(ReadOnlySpan<int> ids)
    {
        var result = new List<float[]>();
        int vocab = Config.VocabSize;
        RunPieces(ids, default, GraphOutputs.AllLogits, (_, rows) =>
        {
            var flat = _state.Logits.Read<float>(rows * vocab);
            for (int r = 0; r < rows; r++) result.Add(flat.AsSpan(r * vocab, vocab).ToArray());
        });
        return result.ToArray();
    }

    /// <summary>Runs <paramref name="ids"/> and returns the greedy next token, chosen on the GPU (no logits copy).</summary>
    public int ForwardGreedy(ReadOnlySpan<int> ids)
    {
        RunPieces(ids, default, GraphOutputs.LastLogits, (_, _) => { });
        return (int)_state.Argmax.Read<uint>(1)[0];
    }

    /// <summary>Runs <paramref name="ids"/> at the current position and returns, for each position i, the natural
    /// log-probability the model gives <paramref name="targets"/>[i] as the token after ids[..i] (and the cache). The
    /// log-softmax is taken on the GPU: one float per position comes back, not a row of logits.</summary>
    public float[] TokenLogprobs(ReadOnlySpan<int> ids, ReadOnlySpan<int> targets)
    {
        if (targets.Length != ids.Length)
            throw new ArgumentException($"one target per input token is needed: {ids.Length} tokens, {targets.Length} targets.");
        CheckIds(targets, "target");
        var result = new float[ids.Length];
        RunPieces(ids, targets, GraphOutputs.TokenLogprobs, (start, rows) =>
            _state.TokenLogprobs.Read<float>(rows).CopyTo(result.AsSpan(start)));
        return result;
    }

    void CheckIds(ReadOnlySpan<int> ids, string what)
    {
        foreach (var id in ids)
            if ((uint)id >= (uint)Config.VocabSize)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"{what} id {id} is outside the vocabulary (0..{Config.VocabSize - 1}).");
    }

    /// <summary>Runs <paramref name="ids"/> in pieces no longer than one graph takes; <paramref name="afterPiece"/>
    /// gets each piece's start and the rows of output it left (1 unless every position has output).</summary>
    void RunPieces(ReadOnlySpan<int> ids, ReadOnlySpan<int> targets, GraphOutputs outputs, Action<int, int> afterPiece)
    {
        if (ids.Length == 0) throw new ArgumentException("no tokens to run.");
        if (Position + ids.Length > ContextLength) throw new ContextOverflowException(Position, ids.Length, ContextLength);
        CheckIds(ids, "token");
        bool everyPosition = outputs != GraphOutputs.LastLogits;
        int piece = everyPosition ? _state.MaxLogitRows : _state.MaxTokens;
        for (int start = 0; start < ids.Length; start += piece)
        {
            int n = Math.Min(piece, ids.Length - start);
            var words = new uint[n];
            for (int i = 0; i < n; i++) words[i] = (uint)ids[start + i];
            _state.Ids.Upload<uint>(words);
            if (outputs == GraphOutputs.TokenLogprobs)
            {
                for (int i = 0; i < n; i++) words[i] = (uint)targets[start + i];
                _state.Targets.Upload<uint>(words);
            }
            _state.Step.Upload<uint>([(uint)Position]);
            Graph(n, outputs).Run();
            Position += n;
            afterPiece(start, everyPosition ? n : 1);
        }
    }

    /// <summary>Forgets everything after <paramref name="position"/> tokens (the cache keeps the prefix).</summary>
    public void Rewind(int position)
    {
        if (position < 0 || position > Position)
            throw new ArgumentOutOfRangeException(nameof(position), position, $"can rewind only to 0..{Position}.");
        Position = position;
    }

    public void Reset() => Position = 0;

    public void Dispose()
    {
        foreach (var g in _graphs.Values) g.Dispose();
        _graphs.Clear();
        _state.Dispose();
    }
}
