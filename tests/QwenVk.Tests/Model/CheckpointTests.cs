using System.Text.Json;
using System.Text.Json.Nodes;
using QwenVk.Model.Checkpoints;
using QwenVk.Reference.Model;
using QwenVk.Tools.Checkpoints;

namespace QwenVk.Tests.Model;

/// <summary>Checkpoints written by the maker (its own safetensors writer) opened by the model's reader: every tensor
/// read back as FP16 must equal what the maker stored, converted with round-to-nearest-even.</summary>
public sealed class CheckpointTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(MakerArchitecture.Qwen2, MakerDType.BF16, true, 1, false)]
    [InlineData(MakerArchitecture.Qwen2, MakerDType.F16, false, 3, false)]
    [InlineData(MakerArchitecture.Qwen2, MakerDType.F32, true, 2, false)]
    [InlineData(MakerArchitecture.Qwen3, MakerDType.F32, false, 1, false)]
    [InlineData(MakerArchitecture.Qwen3, MakerDType.BF16, true, 2, false)]
    [InlineData(MakerArchitecture.Qwen3, MakerDType.F16, false, 4, true)]
    public void EveryTensorReadsBackAsWritten(MakerArchitecture arch, MakerDType dtype, bool tied, int shards, bool bias)
    {
        var spec = new CheckpointSpec
        {
            Architecture = arch, DType = dtype, TieWordEmbeddings = tied, Shards = shards, AttentionBias = bias,
            HiddenSize = 48, IntermediateSize = 72, Layers = 2, Heads = 6, KeyValueHeads = 2,
            HeadDim = arch == MakerArchitecture.Qwen3 ? 10 : null, VocabSize = 97, Seed = 42,
        };
        var made = CheckpointMaker.Make(spec, _dir.Path);
        Assert.Equal(shards, made.WeightFiles.Count);

        using var ckpt = Checkpoint.Open(_dir.Path);
        var c = ckpt.Config;
        Assert.Equal(arch == MakerArchitecture.Qwen3 ? QwenArchitecture.Qwen3 : QwenArchitecture.Qwen2, c.Architecture);
        Assert.Equal((48, 72, 2, 6, 2, 97, tied), (c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads, c.VocabSize, c.TieWordEmbeddings));
        Assert.Equal(arch == MakerArchitecture.Qwen3 ? 10 : 8, c.HeadDim);
        Assert.Equal(spec.Bos, c.BosTokenId);
        Assert.Equal(spec.Eos, c.EosTokenIds);
        Assert.NotNull(ckpt.Generation);
        Assert.Empty(ckpt.Notes);
        Assert.Equal(made.Tensors.Select(t => t.Name).Order(), ckpt.TensorNames.Order());
        Assert.Equal(QwenWeights.For(c).Select(e => e.Name).Order(), ckpt.TensorNames.Order());

        foreach (var t in made.Tensors)
        {
            var info = ckpt.Info(t.Name);
            Assert.Equal(t.Shape, info.Shape);
            Assert.Equal(dtype.ToString(), info.DType.ToString());
            var stored = CheckpointMaker.StoredValues(spec, t);
            var read = new Half[info.Elements];
            ckpt.ReadAsHalf(t.Name, read);
            for (int i = 0; i < stored.Length; i++)
                if (read[i] != (Half)(double)stored[i])
                    Assert.Fail($"{t.Name}[{i}]: read {read[i]}, stored {stored[i]} -> expected {(Half)(double)stored[i]}");
        }
    }

    [Theory]
    [InlineData("qwen2-tiny")]
    [InlineData("qwen3-tiny")]
    public void FixturesReadTheSameAsTheReferenceReader(string name)
    {
        string folder = RepoPaths.ReferenceModel(name);
        using var ckpt = Checkpoint.Open(folder);
        var reference = RefTensors.LoadFolder(folder);
        Assert.Equal(reference.Keys.Order(), ckpt.TensorNames.Order());
        foreach (var (tensor, value) in reference)
        {
            var read = new Half[value.Data.Length];
            ckpt.ReadAsHalf(tensor, read);
            for (int i = 0; i < read.Length; i++) Assert.Equal((Half)value.Data[i], read[i]);
        }
    }

    [Theory]
    [InlineData(MakerDType.F32)]
    [InlineData(MakerDType.BF16)]
    public void ConversionRoundsToNearestEven(MakerDType dtype)
    {
        var spec = new CheckpointSpec { DType = dtype };
        CheckpointMaker.Make(spec, _dir.Path);
        // (stored value, FP16 result): ties go to the even neighbour, including in the subnormal range.
        (float Value, float Half)[] cases = dtype == MakerDType.F32
            ? [(1 + P2(-11), 1f), (1 + 3 * P2(-11), 1 + P2(-9)), (P2(-25), 0f), (1.5f * P2(-25), P2(-24)), (65519f, 65504f), (-0f, -0f), (P2(-20), P2(-20))]
            : [(P2(-25), 0f), (1.5f * P2(-25), P2(-24)), (3 * P2(-26), P2(-24)), (1.0078125f, 1.0078125f), (-2.5f, -2.5f)];
        PatchTensor(QwenWeights.FinalNorm, dtype, cases.Select(c => c.Value).ToArray());

        using var ckpt = Checkpoint.Open(_dir.Path);
        var read = new Half[spec.HiddenSize];
        ckpt.ReadAsHalf(QwenWeights.FinalNorm, read);
        for (int i = 0; i < cases.Length; i++)
        {
            Assert.Equal(BitConverter.HalfToUInt16Bits((Half)cases[i].Half), BitConverter.HalfToUInt16Bits(read[i]));
        }
    }

    [Theory]
    [InlineData(MakerDType.F32)]
    [InlineData(MakerDType.BF16)]
    [InlineData(MakerDType.F16)]
    public void NormWeightsFoldIntoColumnsWithOneRounding(MakerDType dtype)
    {
        // The fold GpuWeights does: W[r, c] * g[c] in float32 from the stored values, then one rounding to FP16.
        var spec = new CheckpointSpec { DType = dtype };
        var made = CheckpointMaker.Make(spec, _dir.Path);
        using var ckpt = Checkpoint.Open(_dir.Path);
        string proj = QwenWeights.Gate(0), norm = QwenWeights.PostAttentionNorm(0);
        var w = CheckpointMaker.StoredValues(spec, made.Tensors.Single(t => t.Name == proj));
        var g = CheckpointMaker.StoredValues(spec, made.Tensors.Single(t => t.Name == norm));
        var gRead = new float[g.Length];
        ckpt.ReadAsSingle(norm, gRead);
        Assert.Equal(g.Select(v => (float)v), gRead);
        var folded = new Half[w.Length];
        ckpt.ReadAsHalf(proj, folded, gRead);
        int cols = g.Length;
        for (int i = 0; i < w.Length; i++)
            Assert.Equal((Half)((float)w[i] * gRead[i % cols]), folded[i]);
        Assert.Throws<ArgumentException>(() => ckpt.ReadAsHalf(proj, folded, gRead.AsSpan(1)));
    }

    [Fact]
    public void FoldedValueBeyondHalfRangeIsRefusedByName()
    {
        CheckpointMaker.Make(new CheckpointSpec { DType = MakerDType.F32 }, _dir.Path);
        PatchTensor(QwenWeights.FinalNorm, MakerDType.F32, [1f, 40000f]);
        using var ckpt = Checkpoint.Open(_dir.Path);
        var scale = Enumerable.Repeat(2f, 64).ToArray();
        var e = Assert.Throws<InvalidDataException>(() => ckpt.ReadAsHalf(QwenWeights.FinalNorm, new Half[64], scale));
        Assert.Contains("model.norm.weight", e.Message);
        Assert.Contains("RMSNorm weight", e.Message);
    }

    [Fact]
    public void ValueBeyondHalfRangeIsRefusedByName()
    {
        CheckpointMaker.Make(new CheckpointSpec { DType = MakerDType.F32 }, _dir.Path);
        PatchTensor(QwenWeights.FinalNorm, MakerDType.F32, [1f, 70000f]);
        using var ckpt = Checkpoint.Open(_dir.Path);
        var e = Assert.Throws<InvalidDataException>(() => ckpt.ReadAsHalf(QwenWeights.FinalNorm, new Half[64]));
        Assert.Contains("model.norm.weight", e.Message);
        Assert.Contains("element 1", e.Message);
    }

    [Fact]
    public void WrongDestinationLengthIsRefused()
    {
        CheckpointMaker.Make(new CheckpointSpec(), _dir.Path);
        using var ckpt = Checkpoint.Open(_dir.Path);
        Assert.Throws<ArgumentException>(() => ckpt.ReadAsHalf(QwenWeights.FinalNorm, new Half[63]));
        Assert.Throws<KeyNotFoundException>(() => ckpt.ReadAsHalf("model.nonexistent", new Half[1]));
    }

    [Fact]
    public void MissingTensorIsNamedWithTheFileExpected()
    {
        CheckpointMaker.Make(new CheckpointSpec { TieWordEmbeddings = true }, _dir.Path);
        EditConfig(c => c["tie_word_embeddings"] = false);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Open(_dir.Path));
        Assert.Contains("\"lm_head.weight\" is missing", e.Message);
        Assert.Contains(_dir.File("model.safetensors"), e.Message);
        Assert.Contains("tie_word_embeddings", e.Message);
    }

    [Fact]
    public void MissingBiasIsNamed()
    {
        CheckpointMaker.Make(new CheckpointSpec { Architecture = MakerArchitecture.Qwen3, Shards = 2 }, _dir.Path);
        EditConfig(c => c["architectures"] = new JsonArray("Qwen2ForCausalLM"));
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Open(_dir.Path));
        Assert.Contains("\"model.layers.0.self_attn.q_proj.bias\" is missing", e.Message);
        Assert.Contains("model.safetensors.index.json", e.Message);
    }

    [Fact]
    public void ExtraTensorIsNamed()
    {
        CheckpointMaker.Make(new CheckpointSpec { Layers = 2 }, _dir.Path);
        EditConfig(c => c["num_hidden_layers"] = 1);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Open(_dir.Path));
        Assert.Contains("\"model.layers.1.", e.Message);
        Assert.Contains("is not part of", e.Message);
    }

    [Fact]
    public void ShapeDisagreeingWithConfigIsNamedWithBothShapesAndFields()
    {
        CheckpointMaker.Make(new CheckpointSpec { IntermediateSize = 160 }, _dir.Path);
        EditConfig(c => c["intermediate_size"] = 128);
        var e = Assert.Throws<InvalidDataException>(() => Checkpoint.Open(_dir.Path));
        Assert.Contains("\"model.layers.0.mlp.gate_proj.weight\"", e.Message);
        Assert.Contains("[160, 64]", e.Message);
        Assert.Contains("[128, 64]", e.Message);
        Assert.Contains("[intermediate_size, hidden_size]", e.Message);
    }

    [Fact]
    public void LmHeadPresentWhileTiedIsAcceptedWithANote()
    {
        CheckpointMaker.Make(new CheckpointSpec { TieWordEmbeddings = false }, _dir.Path);
        EditConfig(c => c["tie_word_embeddings"] = true);
        using var ckpt = Checkpoint.Open(_dir.Path);
        Assert.Contains(ckpt.Notes, n => n.Contains("lm_head.weight") && n.Contains("tie_word_embeddings"));
        Assert.Equal(QwenWeights.Embeddings, QwenWeights.OutputWeights(ckpt.Config));
    }

    [Fact]
    public void MissingShardIsNamed()
    {
        CheckpointMaker.Make(new CheckpointSpec { Shards = 3 }, _dir.Path);
        File.Delete(_dir.File("model-00002-of-00003.safetensors"));
        var e = Assert.Throws<FileNotFoundException>(() => Checkpoint.Open(_dir.Path));
        Assert.Contains("model-00002-of-00003.safetensors", e.Message);
    }

    [Fact]
    public void MissingWeightsAndConfigAreNamed()
    {
        var e1 = Assert.Throws<FileNotFoundException>(() => Checkpoint.Open(_dir.Path));
        Assert.Contains("config.json", e1.Message);
        CheckpointMaker.Make(new CheckpointSpec(), _dir.Path);
        File.Delete(_dir.File("model.safetensors"));
        var e2 = Assert.Throws<FileNotFoundException>(() => Checkpoint.Open(_dir.Path));
        Assert.Contains("model.safetensors.index.json", e2.Message);
    }

    static float P2(int exponent) => MathF.ScaleB(1f, exponent);

    void EditConfig(Action<JsonObject> edit)
    {
        var node = JsonNode.Parse(File.ReadAllText(_dir.File("config.json")))!.AsObject();
        edit(node);
        File.WriteAllText(_dir.File("config.json"), node.ToJsonString());
    }

    /// <summary>Overwrites the first values of a tensor in model.safetensors, locating it from the header.</summary>
    void PatchTensor(string name, MakerDType dtype, float[] values)
    {
        string path = _dir.File("model.safetensors");
        var bytes = File.ReadAllBytes(path);
        int headerLength = (int)BitConverter.ToUInt64(bytes, 0);
        using var header = JsonDocument.Parse(bytes.AsMemory(8, headerLength));
        long begin = header.RootElement.GetProperty(name).GetProperty("data_offsets")[0].GetInt64();
        int at = 8 + headerLength + (int)begin;
        foreach (float v in values)
        {
            if (dtype == MakerDType.F32)
            {
                BitConverter.TryWriteBytes(bytes.AsSpan(at), v);
                at += 4;
            }
            else
            {
                uint bits = BitConverter.SingleToUInt32Bits(v);
                Assert.Equal(0u, bits & 0xFFFF); // the case values are exact in BF16
                BitConverter.TryWriteBytes(bytes.AsSpan(at), (ushort)(bits >> 16));
                at += 2;
            }
        }
        File.WriteAllBytes(path, bytes);
    }
}
