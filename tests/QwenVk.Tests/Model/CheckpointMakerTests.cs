using System.Text.Json;
using QwenVk.Model.Checkpoints;
using QwenVk.Reference.Model;
using QwenVk.Tools.Checkpoints;
using Xunit.Abstractions;

namespace QwenVk.Tests.Model;

public sealed class CheckpointMakerTests(ITestOutputHelper output) : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    static Dictionary<string, byte[]> Files(string folder) =>
        Directory.GetFiles(folder).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    [Fact]
    public void SameSeedSameBytesOtherSeedOtherWeights()
    {
        var spec = new CheckpointSpec { Shards = 2, Architecture = MakerArchitecture.Qwen3 };
        CheckpointMaker.Make(spec, Path.Combine(_dir.Path, "a"));
        CheckpointMaker.Make(spec, Path.Combine(_dir.Path, "b"));
        CheckpointMaker.Make(spec with { Seed = 2 }, Path.Combine(_dir.Path, "c"));
        var a = Files(Path.Combine(_dir.Path, "a"));
        var b = Files(Path.Combine(_dir.Path, "b"));
        var c = Files(Path.Combine(_dir.Path, "c"));
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var (name, bytes) in a) Assert.True(bytes.AsSpan().SequenceEqual(b[name]), $"{name} differs between two makes with the same seed");
        Assert.Equal(a["config.json"], c["config.json"]);
        Assert.False(a["model-00001-of-00002.safetensors"].AsSpan().SequenceEqual(c["model-00001-of-00002.safetensors"]));
    }

    [Fact]
    public void ShardedLayoutHasHuggingFaceIndex()
    {
        var spec = new CheckpointSpec { Shards = 3, DType = MakerDType.F16, TieWordEmbeddings = false };
        var made = CheckpointMaker.Make(spec, _dir.Path);
        Assert.Equal(["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"], made.WeightFiles.Select(Path.GetFileName));
        Assert.False(File.Exists(_dir.File("model.safetensors")));

        using var index = JsonDocument.Parse(File.ReadAllText(_dir.File("model.safetensors.index.json")));
        long totalSize = index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64();
        Assert.Equal(made.Tensors.Sum(t => t.Elements) * 2, totalSize);
        var map = index.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        Assert.Equal(made.Tensors.Select(t => t.Name).Order(), map.Keys.Order());
        Assert.Equal(3, map.Values.Distinct().Count());

        // Each shard holds exactly the tensors the index says (read by the reference's independent reader).
        foreach (var shard in map.Values.Distinct())
            Assert.Equal(map.Where(kv => kv.Value == shard).Select(kv => kv.Key).Order(), RefTensors.LoadFile(_dir.File(shard)).Keys.Order());
    }

    [Fact]
    public void ConfigLooksLikeTransformersOutput()
    {
        CheckpointMaker.Make(new CheckpointSpec { Architecture = MakerArchitecture.Qwen3, HeadDim = 24, DType = MakerDType.BF16 }, _dir.Path);
        var text = File.ReadAllText(_dir.File("config.json"));
        using var doc = JsonDocument.Parse(text);
        var keys = doc.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(keys.Order(StringComparer.Ordinal), keys);
        Assert.Equal("Qwen3ForCausalLM", doc.RootElement.GetProperty("architectures")[0].GetString());
        Assert.Equal("qwen3", doc.RootElement.GetProperty("model_type").GetString());
        Assert.Equal("bfloat16", doc.RootElement.GetProperty("torch_dtype").GetString());
        Assert.Equal(24, doc.RootElement.GetProperty("head_dim").GetInt32());
        Assert.Contains("\"rope_theta\": 1000000.0", text);
        Assert.Contains("\"rms_norm_eps\": 1e-06", text);
    }

    [Fact]
    public void CopiesTokenizerFiles()
    {
        File.WriteAllText(_dir.File("tok.json"), "{\"model\": {}}");
        File.WriteAllText(_dir.File("tok_config.json"), "{\"eos_token\": \"x\"}");
        string folder = Path.Combine(_dir.Path, "model");
        CheckpointMaker.Make(new CheckpointSpec { TokenizerJson = _dir.File("tok.json"), TokenizerConfigJson = _dir.File("tok_config.json") }, folder);
        Assert.Equal("{\"model\": {}}", File.ReadAllText(Path.Combine(folder, "tokenizer.json")));
        Assert.Equal("{\"eos_token\": \"x\"}", File.ReadAllText(Path.Combine(folder, "tokenizer_config.json")));
    }

    [Fact]
    public void Qwen25HalfBPresetHasTheRealParameterCount()
    {
        // Qwen2.5-0.5B: 494,032,768 parameters (tied embeddings counted once).
        var spec = CheckpointSpec.Qwen25HalfB;
        Assert.Equal(494_032_768L, CheckpointMaker.Tensors(spec).Sum(t => t.Elements));
        Assert.Equal(24 * 12 + 2, CheckpointMaker.Tensors(spec).Count);
    }

    [Fact]
    public void Qwen3PresetHasTheRealParameterCount()
    {
        // Qwen3-0.6B's published config (hidden 1024, 28 layers, 16 q / 8 kv heads of 128, intermediate 3072, vocab
        // 151936, tied): per layer q 2048x1024, k and v 1024x1024, o 1024x2048, gate/up/down 3x3072x1024, two norms of
        // 1024 and the q/k norms of 128 -> 15,730,944; x28 + embeddings 155,582,464 + the final norm = 596,049,920
        // (its card: 0.6B, 0.44B without embeddings).
        var spec = CheckpointSpec.Qwen3_06B;
        Assert.Equal(596_049_920L, CheckpointMaker.Tensors(spec).Sum(t => t.Elements));
        Assert.Equal(28 * 11 + 2, CheckpointMaker.Tensors(spec).Count);
    }

    [Fact]
    public void PresetConfigsParseAndImplyTheMakersTensors()
    {
        var spec = CheckpointSpec.Qwen25HalfB;
        CheckpointMaker.WriteConfigs(spec, _dir.Path);
        var c = QwenConfig.Load(_dir.File("config.json"));
        Assert.Equal((896, 4864, 24, 14, 2, 64, 151936, true), (c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim, c.VocabSize, c.TieWordEmbeddings));
        Assert.Equal(1e6, c.RopeTheta);
        Assert.Equal(32768, c.MaxPositionEmbeddings);
        // The model's naming helper and the maker's tensor list are written separately; they must agree.
        Assert.Equal(QwenWeights.For(c).Select(e => (e.Name, e.ShapeText)).Order(),
            CheckpointMaker.Tensors(spec).Select(t => (t.Name, "[" + string.Join(", ", t.Shape) + "]")).Order());

        var g = GenerationConfig.Load(_dir.File("generation_config.json"));
        Assert.Equal([151645, 151643], g.EosTokenIds);
        Assert.True(g.DoSample);
        Assert.Equal(0.7, g.Temperature);
        Assert.Equal(20, g.TopK);
        Assert.Equal(0.8, g.TopP);
        Assert.Equal(1.1, g.RepetitionPenalty);
    }

    [Theory]
    [InlineData(MakerArchitecture.Qwen2, true)]
    [InlineData(MakerArchitecture.Qwen3, false)]
    public void GreedyGenerationDoesNotCollapse(MakerArchitecture arch, bool tied)
    {
        CheckpointMaker.Make(new CheckpointSpec { Architecture = arch, TieWordEmbeddings = tied, Layers = 3, Seed = 7 }, _dir.Path);
        var model = CpuQwenModel.Load(_dir.Path);
        var logits = model.Forward([1, 2, 3, 4]);
        double meanSquare = logits.SelectMany(r => r).Average(x => x * x);
        var tokens = model.Generate([1, 2, 3, 4], 20);
        int distinct = tokens.Distinct().Count();
        output.WriteLine($"{arch} tied={tied}: logit rms {Math.Sqrt(meanSquare):F2}, tokens {string.Join(' ', tokens)} ({distinct} distinct)");
        Assert.InRange(Math.Sqrt(meanSquare), 0.3, 30);
        Assert.True(distinct >= 6, $"greedy output collapsed: {string.Join(' ', tokens)}");
    }
}
