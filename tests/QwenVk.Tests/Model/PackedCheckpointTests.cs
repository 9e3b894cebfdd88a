using QwenVk.Model.Checkpoints;
using QwenVk.Reference.Model;
using QwenVk.Tools.Checkpoints;

namespace QwenVk.Tests.Model;

/// <summary>GPTQ / AWQ checkpoints opened by the reader: packed projections read back as the weights the issue's
/// formulas give (against the reference's own dequantizer), and broken ones refused on open naming tensor and field.</summary>
public sealed class PackedCheckpointTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    internal static readonly CheckpointSpec Spec = new()
    {
        Architecture = MakerArchitecture.Qwen2, DType = MakerDType.F16, HiddenSize = 256, Heads = 4, KeyValueHeads = 2,
        IntermediateSize = 384, VocabSize = 300, Layers = 1, Seed = 31,
    };

    const string QProj = "model.layers.0.self_attn.q_proj.";

    string Make(PackScheme scheme, Action<Dictionary<string, PackedCheckpoints.Entry>>? tamper = null, Action<System.Text.Json.Nodes.JsonObject>? config = null)
    {
        CheckpointMaker.Make(Spec, _dir.Path);
        PackedCheckpoints.Pack(_dir.Path, scheme, 3, tamper, config);
        return _dir.Path;
    }

    [Theory]
    [InlineData("gptq", 4, 128, true, false)]
    [InlineData("gptq", 8, 32, false, false)]
    [InlineData("gptq", 4, 64, false, true)]
    [InlineData("gptq", 8, -1, true, true)]
    [InlineData("awq", 4, 64, false, false)]
    [InlineData("awq", 4, -1, false, false)]
    public void PackedProjectionsReadAsTheirDequantizedWeights(string method, int bits, int group, bool sym, bool descAct)
    {
        var folder = Make(new PackScheme(method, bits, group, sym, descAct));
        var reference = RefTensors.LoadFolder(folder);
        var dequantized = RefPackedWeights(folder);
        using var ckpt = Checkpoint.Open(folder);
        Assert.NotNull(ckpt.Config.Quantization);
        foreach (var name in QwenWeights.Packed(ckpt.Config))
        {
            Assert.True(ckpt.IsPacked(name));
            Assert.False(reference.ContainsKey(name));
            var expected = dequantized[name];
            var single = new float[expected.Length];
            ckpt.ReadAsSingle(name, single);
            for (int i = 0; i < expected.Length; i++) Assert.Equal((float)expected[i], single[i]);
            var half = new Half[expected.Length];
            ckpt.ReadAsHalf(name, half);
            for (int i = 0; i < expected.Length; i++) Assert.Equal((Half)(float)expected[i], half[i]);
        }
        var g = new float[Spec.HiddenSize];
        ckpt.ReadAsSingle(QwenWeights.InputNorm(0), g);
        var q = dequantized[QwenWeights.QProj(0)];
        var folded = new Half[q.Length];
        ckpt.ReadAsHalf(QwenWeights.QProj(0), folded, g);
        for (int i = 0; i < folded.Length; i++) Assert.Equal((Half)((float)q[i] * g[i % Spec.HiddenSize]), folded[i]);
    }

    /// <summary>The reference model's dequantized weights (CpuQwenModel.LoadPacked's), by name.</summary>
    static Dictionary<string, double[]> RefPackedWeights(string folder)
    {
        var model = CpuQwenModel.LoadPacked(folder);
        using var ckpt = Checkpoint.Open(folder);
        return QwenWeights.Packed(ckpt.Config).ToDictionary(n => n, n => model.Weight(n));
    }

    [Theory]
    [InlineData("gptq", "qweight")]
    [InlineData("gptq", "qzeros")]
    [InlineData("gptq", "scales")]
    [InlineData("gptq", "g_idx")]
    [InlineData("awq", "scales")]
    [InlineData("awq", "qzeros")]
    public void AMissingPartIsRefusedNamingIt(string method, string part)
    {
        var folder = Make(new PackScheme(method, 4, 64), t => t.Remove(QProj + part));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Open(folder));
        Assert.Contains($"\"{QProj}{part}\" is missing", e.Message);
        Assert.Contains(method, e.Message);
    }

    [Theory]
    [InlineData("gptq", "qweight", "[32, 256]")]
    [InlineData("gptq", "qzeros", "[4, 32]")]
    [InlineData("gptq", "g_idx", "[256]")]
    [InlineData("awq", "qweight", "[256, 32]")]
    [InlineData("awq", "scales", "[4, 256]")]
    public void AWrongShapeIsRefusedNamingTensorAndShape(string method, string part, string expectedShape)
    {
        var folder = Make(new PackScheme(method, 4, 64), t =>
        {
            var p = t[QProj + part];
            t[QProj + part] = p with { Shape = p.Shape.Length == 1 ? [p.Shape[0] / 2, 2] : [p.Shape[1], p.Shape[0]] };
        });
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Open(folder));
        Assert.Contains($"\"{QProj}{part}\" has shape", e.Message);
        Assert.Contains(expectedShape, e.Message);
    }

    [Theory]
    [InlineData("gptq", "scales", "F32", "F16")]
    [InlineData("gptq", "qweight", "F32", "I32")]
    [InlineData("awq", "qzeros", "F32", "I32")]
    public void AWrongDTypeIsRefusedNamingTensorAndDType(string method, string part, string dtype, string expected)
    {
        var folder = Make(new PackScheme(method, 4, 64), t =>
        {
            var p = t[QProj + part];
            int size = p.DType == "F16" ? 2 : 4;
            t[QProj + part] = p with { DType = dtype, Data = new byte[p.Data.Length / size * 4] };
        });
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Open(folder));
        Assert.Contains($"\"{QProj}{part}\" is {dtype}", e.Message);
        Assert.Contains($"{part} is {expected}", e.Message);
    }

    [Fact]
    public void AFloatWeightStoredAsI32IsRefused()
    {
        var folder = Make(new PackScheme("gptq", 4, 64), t =>
        {
            var p = t[QwenWeights.Embeddings];
            t[QwenWeights.Embeddings] = p with { DType = "I32", Data = new byte[p.Data.Length * 2] };
        });
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Open(folder));
        Assert.Contains($"\"{QwenWeights.Embeddings}\" is I32", e.Message);
    }

    [Theory]
    [InlineData("gptq", 96)]
    [InlineData("awq", 48)]
    public void AGroupSizeThatDoesNotDivideKIsRefused(string method, int group)
    {
        var folder = Make(new PackScheme(method, 4, 64), config: c => c["quantization_config"]!["group_size"] = group);
        var e = Assert.Throws<NotSupportedException>(() => Checkpoint.Open(folder));
        Assert.Contains($"group_size {group} does not divide", e.Message);
        Assert.Contains("config.json", e.Message);
    }

    [Fact]
    public void AnUnquantizedProjectionInAGptqCheckpointIsRefused()
    {
        var folder = Make(new PackScheme("gptq", 4, 64), t =>
        {
            foreach (var part in new[] { "qweight", "qzeros", "scales", "g_idx" }) t.Remove(QProj + part);
            t[QProj + "weight"] = new("F16", [256, 256], new byte[256 * 256 * 2]);
        });
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Open(folder));
        Assert.Contains($"\"{QProj}qweight\" is missing", e.Message);
        Assert.Contains("is there unquantized", e.Message);
    }
}
