using QwenVk.Model.Inference;
using QwenVk.Reference;
using QwenVk.Reference.Model;
using QwenVk.Runtime;
using QwenVk.Runtime.Graph;
using QwenVk.Runtime.Kernels;
using QwenVk.Tools.Checkpoints;

namespace QwenVk.Tests.Model;

/// <summary>The whole model on the GPU against the double-precision CPU reference forward pass (which is itself
/// checked against an independent implementation's logits in CpuReferenceTests): every position's logits by NMSE,
/// and the same greedy token wherever the reference's top-two gap is clear.</summary>
[Collection("gpu")]
public sealed class GpuModelTests(GpuFixture gpu)
{
    const double Tolerance = 1e-4;
    const double ClearGap = 1e-2;
    static readonly int[] Ids = [1, 7, 42, 300, 5, 99, 128, 64, 3, 250, 17];

    public static TheoryData<string> Specs() => new(Cases.Keys);

    /// <summary>Shapes the tests cover: both architectures, every dtype, tied/untied, sharded/single, head_dim not
    /// hidden/heads, sizes not divisible by 8 or by a subgroup.</summary>
    static readonly Dictionary<string, CheckpointSpec> Cases = new()
    {
        ["qwen2-bf16-tied"] = new() { Architecture = MakerArchitecture.Qwen2, DType = MakerDType.BF16, TieWordEmbeddings = true, Seed = 11 },
        ["qwen2-f16-untied-sharded"] = new() { Architecture = MakerArchitecture.Qwen2, DType = MakerDType.F16, TieWordEmbeddings = false, Shards = 3, Seed = 12 },
        ["qwen2-odd-sizes"] = new() { Architecture = MakerArchitecture.Qwen2, DType = MakerDType.BF16, HiddenSize = 36, Heads = 3, KeyValueHeads = 1, IntermediateSize = 77, VocabSize = 301, Layers = 3, Seed = 13 },
        ["qwen3-bf16-untied-headdim"] = new() { Architecture = MakerArchitecture.Qwen3, DType = MakerDType.BF16, TieWordEmbeddings = false, HeadDim = 24, Seed = 14 },
        ["qwen3-f32-tied-sharded-odd"] = new() { Architecture = MakerArchitecture.Qwen3, DType = MakerDType.F32, TieWordEmbeddings = true, Shards = 2, HiddenSize = 40, Heads = 5, KeyValueHeads = 1, HeadDim = 12, IntermediateSize = 93, VocabSize = 389, Seed = 15 },
        ["qwen3-f16-bias"] = new() { Architecture = MakerArchitecture.Qwen3, DType = MakerDType.F16, AttentionBias = true, Seed = 16 },
        // Qwen2.5-0.5B's proportions scaled down so that q/k/v (with biases) and gate/up are stored stacked and decode
        // runs them as one product each (every member and slice 256-byte aligned).
        ["qwen2-f16-stacked"] = new() { Architecture = MakerArchitecture.Qwen2, DType = MakerDType.F16, HiddenSize = 256, Heads = 4, KeyValueHeads = 2, IntermediateSize = 384, VocabSize = 500, Layers = 2, Seed = 17 },
        ["qwen3-bf16-stacked"] = new() { Architecture = MakerArchitecture.Qwen3, DType = MakerDType.BF16, HiddenSize = 256, Heads = 4, KeyValueHeads = 2, HeadDim = 64, IntermediateSize = 384, VocabSize = 500, Layers = 2, Seed = 18 },
    };

    [Theory, MemberData(nameof(Specs))]
    public void LogitsMatchCpuReferenceAtEveryPosition(string name)
    {
        using var dir = new TempDir();
        CheckpointMaker.Make(Cases[name], dir.Path);
        Compare(dir.Path, CpuQwenModel.Load(dir.Path).Forward(Ids), Ids);
    }

    [Theory]
    [InlineData("qwen2-tiny")]
    [InlineData("qwen3-tiny")]
    public void LogitsMatchIndependentReferenceFixture(string name)
    {
        var folder = RepoPaths.ReferenceModel(name);
        var expected = NpyReader.Read2D(Path.Combine(folder, "reference_logits.npy"));
        Compare(folder, expected, [1, 7, 42, 300, 5, 99, 128, 64]);
    }

    /// <param name="stepwise">Feed the ids one at a time through the decode graph instead of one prefill.</param>
    /// <param name="check">Asserts about the loaded model before it runs.</param>
    void Compare(string folder, double[][] expected, int[] ids, bool stepwise = false, Action<QwenModel>? check = null, int? attentionSplits = null,
        WeightQuant quant = WeightQuant.F16, ulong? maxChunkBytes = null)
    {
        using var model = QwenModel.Load(gpu.Ctx, folder, new ModelOptions
        {
            ContextLength = 64, AttentionSplits = attentionSplits, Quant = quant, MaxWeightChunkBytes = maxChunkBytes,
        });
        check?.Invoke(model);
        var actual = stepwise ? ids.Select(id => model.Forward([id])).ToArray() : model.ForwardAll(ids);
        Assert.Equal(expected.Length, actual.Length);
        for (int p = 0; p < ids.Length; p++)
        {
            double nmse = Reference.KernelChecks.CheckData.Nmse(actual[p], expected[p]);
            Assert.True(nmse <= Tolerance, $"position {p}: NMSE {nmse:E2} > {Tolerance:E0}");
            var order = Enumerable.Range(0, expected[p].Length).OrderByDescending(i => expected[p][i]).ToArray();
            if (expected[p][order[0]] - expected[p][order[1]] > ClearGap)
                Assert.Equal(order[0], Array.IndexOf(actual[p], actual[p].Max()));
        }
        gpu.AssertClean();
    }

    [Theory]
    [InlineData("qwen2-bf16-tied")]
    [InlineData("qwen3-bf16-untied-headdim")]
    public void WeightsSplitIntoRowChunksGiveTheSameLogits(string name)
    {
        // Big models exceed maxStorageBufferRange (the lm_head everywhere, 7B's MLP on 128 MiB devices): force
        // every matrix into 4 KiB chunks and the logits must not change.
        using var dir = new TempDir();
        CheckpointMaker.Make(Cases[name], dir.Path);
        using var model = QwenModel.Load(gpu.Ctx, dir.Path, new ModelOptions { ContextLength = 32, MaxWeightChunkBytes = 4096 });
        var expected = CpuQwenModel.Load(dir.Path).Forward(Ids);
        var actual = model.ForwardAll(Ids);
        for (int p = 0; p < Ids.Length; p++)
            Assert.True(Reference.KernelChecks.CheckData.Nmse(actual[p], expected[p]) <= Tolerance, $"position {p}");
        Assert.True(model.Graph(1).Nodes.Count(n => n.Name.StartsWith("L0.gate")) > 1, "the gate projection was not split");
        Assert.Empty(HazardChecker.Find(model.Graph(1)));
        gpu.AssertClean();
    }

    [Theory]
    [InlineData("qwen2-bf16-tied")]
    [InlineData("qwen3-bf16-untied-headdim")]
    public void PrefillThenDecodeEqualsOnePrefill(string name)
    {
        using var dir = new TempDir();
        CheckpointMaker.Make(Cases[name], dir.Path);
        using var model = QwenModel.Load(gpu.Ctx, dir.Path, new ModelOptions { ContextLength = 32 });
        var whole = model.ForwardAll(Ids);
        model.Reset();
        int n = 6;
        var stepwise = new List<float[]>(model.ForwardAll(Ids.AsSpan(0, n)));
        for (int i = n; i < Ids.Length; i++) stepwise.Add(model.Forward(Ids.AsSpan(i, 1)));
        // Equal to float rounding, not bitwise: 6 or 1 rows go through the matrix-vector kernel, 11 through the tiled
        // one, which sums in another order (seen: NMSE up to ~1e-8).
        for (int p = 0; p < Ids.Length; p++)
        {
            double nmse = Reference.KernelChecks.CheckData.Nmse(stepwise[p], Array.ConvertAll(whole[p], x => (double)x));
            Assert.True(nmse <= 1e-7, $"position {p}: prefill+decode differs from one prefill, NMSE {nmse:E2}");
        }
        gpu.AssertClean();
    }

    [Fact]
    public void FusedAndUnfusedGraphsAgreeAndFusionRemovesDispatches()
    {
        using var dir = new TempDir();
        CheckpointMaker.Make(Cases["qwen2-bf16-tied"], dir.Path);
        using var fused = QwenModel.Load(gpu.Ctx, dir.Path, new ModelOptions { ContextLength = 32 });
        using var plain = QwenModel.Load(gpu.Ctx, dir.Path, new ModelOptions { ContextLength = 32, Compile = new CompileOptions { Fuse = false } });
        var a = fused.ForwardAll(Ids);
        var b = plain.ForwardAll(Ids);
        for (int p = 0; p < Ids.Length; p++)
            Assert.True(Reference.KernelChecks.CheckData.Nmse(a[p], Array.ConvertAll(b[p], x => (double)x)) <= 1e-10);
        var decode = fused.Graph(1);
        Assert.True(decode.FusedAway > 0);
        Assert.True(decode.DispatchCount < plain.Graph(1).DispatchCount);
        Assert.True(decode.BarrierCount < decode.DispatchCount, $"{decode.BarrierCount} barriers for {decode.DispatchCount} dispatches");
        Assert.Empty(HazardChecker.Find(decode));
        Assert.Empty(HazardChecker.Find(fused.Graph(Ids.Length, allLogits: true)));
        gpu.AssertClean();
    }

    [Fact]
    public void DecodeRunsStackedProjectionsAsOneProductAndPrefillKeepsThemApart()
    {
        using var dir = new TempDir();
        CheckpointMaker.Make(Cases["qwen2-f16-stacked"], dir.Path);
        using var model = QwenModel.Load(gpu.Ctx, dir.Path, new ModelOptions { ContextLength = 32 });
        var decode = model.Graph(1).Nodes.Select(n => n.Name).ToHashSet();
        Assert.Contains("L0.qkv", decode);
        Assert.Contains("L1.gate_up", decode);
        Assert.DoesNotContain("L0.k", decode);
        Assert.DoesNotContain("L1.up", decode);
        // The residual adds went into the o and down products, the layers' RMSNorms (weights folded into q/k/v and
        // gate/up) into the stacked products that read them, the SwiGLU into gate/up: only the final norm is left.
        var nodes = model.Graph(1).Nodes;
        Assert.Equal(4, nodes.Count(n => n.Kernel.Describe() == "matvec+residual"));
        // RoPE of q and k and the cache append went into attention: 5 dispatches per layer.
        Assert.DoesNotContain(nodes, n => n.Kernel is AddKernel or SiluMulKernel or KvAppendKernel or RopeKernel);
        Assert.Equal(2, nodes.Count(n => n.Kernel is AttentionKernel { RopeKv: true }));
        Assert.Equal("final_norm", Assert.Single(nodes, n => n.Kernel is RmsNormKernel).Name);
        Assert.All(nodes.Where(n => n.Name.EndsWith(".qkv") || n.Name.EndsWith(".gate_up")),
            n => Assert.NotNull(((MatVecKernel)n.Kernel).NormEps));
        Assert.Equal(2, nodes.Count(n => n.Kernel is MatVecKernel { SwiGlu: true }));
        var prefill = model.Graph(4).Nodes.Select(n => n.Name).ToHashSet();
        Assert.Contains("L0.k", prefill);
        Assert.DoesNotContain("L0.qkv", prefill);
        Assert.Empty(HazardChecker.Find(model.Graph(1)));
        gpu.AssertClean();
    }

    [Theory]
    [InlineData("qwen2-f16-stacked")]
    [InlineData("qwen3-bf16-stacked")]
    public void DecodeStepsMatchCpuReference(string name)
    {
        // Token by token through the decode graph (stacked products with the norm and SwiGLU taken in), against the
        // reference's prefill of the whole sequence.
        using var dir = new TempDir();
        CheckpointMaker.Make(Cases[name], dir.Path);
        Compare(dir.Path, CpuQwenModel.Load(dir.Path).Forward(Ids), Ids, stepwise: true,
            check: model =>
            {
                var nodes = model.Graph(1).Nodes;
                Assert.Contains(nodes, n => n.Kernel is MatVecKernel { SwiGlu: true, NormEps: not null });
                // RoPE and the cache append go into attention, and so do Qwen3's q/k norms: 5 dispatches per layer,
                // and the final norm is the only norm of its own.
                bool qwen3 = name.StartsWith("qwen3");
                Assert.All(nodes.Where(n => n.Kernel is AttentionKernel), n =>
                    Assert.Equal(qwen3, n.Kernel is AttentionKernel { RopeKv: true, QkNormEps: not null }));
                Assert.Contains(nodes, n => n.Kernel is AttentionKernel { RopeKv: true });
                Assert.DoesNotContain(nodes, n => n.Kernel is RopeKernel or KvAppendKernel);
                Assert.Equal("final_norm", Assert.Single(nodes, n => n.Kernel is RmsNormKernel).Name);
            });
    }

    [Theory]
    [InlineData("qwen2-f16-stacked")]
    [InlineData("qwen3-bf16-stacked")]
    public void SplitDecodeAttentionMatchesCpuReference(string name)
    {
        // Flash decoding as GPUs run it, forced here: each head's keys over 3 workgroups, then a merge node per layer.
        using var dir = new TempDir();
        CheckpointMaker.Make(Cases[name], dir.Path);
        Compare(dir.Path, CpuQwenModel.Load(dir.Path).Forward(Ids), Ids, stepwise: true, attentionSplits: 3,
            check: model =>
            {
                var nodes = model.Graph(1).Nodes;
                Assert.All(nodes.Where(n => n.Kernel is AttentionKernel), n => Assert.Equal(3, ((AttentionKernel)n.Kernel).Splits));
                Assert.Equal(nodes.Count(n => n.Kernel is AttentionKernel), nodes.Count(n => n.Kernel is AttentionMergeKernel));
                Assert.Empty(HazardChecker.Find(model.Graph(1)));
            });
    }

    /// <summary>Quantized at load (q8_0, q4_0) against the CPU reference run on the dequantized weights: prefill (the
    /// token-blocked or tiled product), decode step by step (stacked q/k/v and gate/up, norms applied with their
    /// weights since quantized weights are never folded), and every matrix in row chunks.</summary>
    [Theory]
    [InlineData("qwen2-f16-stacked", "q8_0")]
    [InlineData("qwen2-f16-stacked", "q4_0")]
    [InlineData("qwen3-bf16-stacked", "q8_0")]
    [InlineData("qwen3-bf16-stacked", "q4_0")]
    public void QuantizedLogitsMatchCpuReferenceOnDequantizedWeights(string name, string quant)
    {
        using var dir = new TempDir();
        CheckpointMaker.Make(Cases[name], dir.Path);
        Assert.True(WeightQuantNames.TryParse(quant, out var q));
        var expected = CpuQwenModel.LoadQuantized(dir.Path, quant).Forward(Ids);
        Compare(dir.Path, expected, Ids, quant: q, check: model =>
        {
            Assert.Equal(q, model.Quant);
            Assert.Contains(model.Graph(1).Nodes, n => n.Kernel is MatVecKernel { SwiGlu: true });
        });
        Compare(dir.Path, expected, Ids, stepwise: true, quant: q);
        Compare(dir.Path, expected, Ids, quant: q, maxChunkBytes: 16384);
    }

    [Theory]
    [InlineData("qwen2-tiny", "q8_0")]
    [InlineData("qwen3-tiny", "q4_0")]
    public void QuantizedReferenceFixturesMatchCpuReference(string name, string quant)
    {
        var folder = RepoPaths.ReferenceModel(name);
        Assert.True(WeightQuantNames.TryParse(quant, out var q));
        Compare(folder, CpuQwenModel.LoadQuantized(folder, quant).Forward(Ids), Ids, quant: q);
    }

    [Fact]
    public void QuantizingRowsThatAreNotWholeBlocksIsRefusedNamingTheTensor()
    {
        using var dir = new TempDir();
        CheckpointMaker.Make(Cases["qwen2-odd-sizes"], dir.Path);
        long before = gpu.Ctx.AllocatedBytes;
        var e = Assert.Throws<NotSupportedException>(() => QwenModel.Load(gpu.Ctx, dir.Path, new ModelOptions { Quant = WeightQuant.Q4_0 }));
        Assert.Contains("model.embed_tokens.weight", e.Message);
        Assert.Contains("multiple of 32", e.Message);
        Assert.Equal(before, gpu.Ctx.AllocatedBytes);
        gpu.AssertClean();
    }

    /// <summary>GPTQ / AWQ checkpoints (the tests' own packer) against the CPU reference run on the weights the issue's
    /// formulas give (the reference's own dequantizer): prefill, and decode step by step (stacked q/k/v and gate/up).</summary>
    /// <summary>Each case with the format its projections must be stored in: their own blocks (q4_z, q8_z; act-order
    /// with columns sorted by group and the input gathered), or fp16 where groups are not whole blocks of 32.</summary>
    static readonly Dictionary<string, (CheckpointSpec Spec, PackScheme Scheme, DType Stored)> PackedCases = new()
    {
        ["gptq-4bit-sym-g128"] = (Cases["qwen2-f16-stacked"], new("gptq", 4, 128, Sym: true), DType.Q4_Z),
        ["gptq-8bit-asym-g32"] = (Cases["qwen3-bf16-stacked"] with { DType = MakerDType.F16 }, new("gptq", 8, 32), DType.Q8_Z),
        ["gptq-4bit-desc-act-g64"] = (Cases["qwen2-f16-stacked"], new("gptq", 4, 64, DescAct: true), DType.Q4_Z),
        ["gptq-8bit-desc-act-own-orders-g32"] = (Cases["qwen3-bf16-stacked"] with { DType = MakerDType.F16 }, new("gptq", 8, 32, DescAct: true, OwnOrders: true), DType.Q8_Z),
        ["gptq-4bit-desc-act-g16"] = (Cases["qwen2-f16-stacked"], new("gptq", 4, 16, DescAct: true), DType.F16),
        ["gptq-8bit-sym-g-1"] = (Cases["qwen2-f16-stacked"], new("gptq", 8, -1, Sym: true), DType.Q8_Z),
        ["awq-4bit-g64"] = (Cases["qwen3-bf16-stacked"] with { DType = MakerDType.F16 }, new("awq", 4, 64), DType.Q4_Z),
    };

    public static TheoryData<string> PackedSpecs() => new(PackedCases.Keys);

    [Theory, MemberData(nameof(PackedSpecs))]
    public void PackedCheckpointLogitsMatchCpuReferenceOnDequantizedWeights(string name)
    {
        using var dir = new TempDir();
        var (spec, scheme, stored) = PackedCases[name];
        CheckpointMaker.Make(spec, dir.Path);
        PackedCheckpoints.Pack(dir.Path, scheme, seed: 7);
        var expected = CpuQwenModel.LoadPacked(dir.Path).Forward(Ids);
        Compare(dir.Path, expected, Ids, check: model =>
        {
            var products = model.Graph(1).Nodes.Where(n => n.Kernel is MatVecKernel).Select(n => n.Inputs[1].Type).ToArray();
            // Gate and up in different column orders cannot run as one product.
            int gateUpRows = scheme.DescAct && scheme.OwnOrders ? spec.IntermediateSize : 2 * spec.IntermediateSize;
            Assert.Contains(products, t => t.DType == stored && t.Shape.SequenceEqual([gateUpRows, spec.HiddenSize]));
            Assert.Contains(products, t => t.DType == stored && t.Shape.SequenceEqual([spec.HiddenSize, spec.IntermediateSize]));
            // Act-order in blocks: one gather per distinct input order and layer (q/k/v and gate/up stacked when they share one).
            int gathers = model.Graph(1).Nodes.Count(n => n.Kernel is GatherColumnsKernel);
            int expected = !scheme.DescAct || stored == DType.F16 ? 0 : spec.Layers * (scheme.OwnOrders ? 7 : 4);
            Assert.Equal(expected, gathers);
        });
        Compare(dir.Path, expected, Ids, stepwise: true);
        Compare(dir.Path, expected, Ids, maxChunkBytes: 16384);
    }

    [Fact]
    public void AGIdxNamingNoGroupIsRefusedAndNothingStaysOnTheDevice()
    {
        using var dir = new TempDir();
        CheckpointMaker.Make(Cases["qwen2-f16-stacked"], dir.Path);
        const string gIdx = "model.layers.1.mlp.up_proj.g_idx";
        PackedCheckpoints.Pack(dir.Path, new("gptq", 4, 128), seed: 7, tamper: t =>
        {
            var values = new uint[t[gIdx].Shape[0]];
            values[5] = 9;
            t[gIdx] = PackedCheckpoints.Ints(t[gIdx].Shape, values);
        });
        long before = gpu.Ctx.AllocatedBytes;
        var e = Assert.Throws<InvalidDataException>(() => QwenModel.Load(gpu.Ctx, dir.Path, new ModelOptions { ContextLength = 64 }));
        Assert.Contains($"\"{gIdx}\" element 5 is 9", e.Message);
        Assert.Contains("2 groups", e.Message);
        Assert.Equal(before, gpu.Ctx.AllocatedBytes);
        gpu.AssertClean();
    }

    [Fact]
    public void QuantizingAnAlreadyQuantizedCheckpointIsRefused()
    {
        using var dir = new TempDir();
        CheckpointMaker.Make(Cases["qwen2-f16-stacked"], dir.Path);
        PackedCheckpoints.Pack(dir.Path, new("awq", 4, 128), seed: 7);
        long before = gpu.Ctx.AllocatedBytes;
        var e = Assert.Throws<NotSupportedException>(() => QwenModel.Load(gpu.Ctx, dir.Path, new ModelOptions { Quant = WeightQuant.Q8_0 }));
        Assert.Contains("\"quantization_config\"", e.Message);
        Assert.Contains("awq", e.Message);
        Assert.Contains("--quant q8_0", e.Message);
        Assert.Equal(before, gpu.Ctx.AllocatedBytes);
        gpu.AssertClean();
    }

    [Fact]
    public void PromptLongerThanContextIsRefusedAndTheModelStillWorks()
    {
        using var dir = new TempDir();
        CheckpointMaker.Make(Cases["qwen2-bf16-tied"], dir.Path);
        using var model = QwenModel.Load(gpu.Ctx, dir.Path, new ModelOptions { ContextLength = 8 });
        var e = Assert.Throws<ContextOverflowException>(() => model.Forward(Ids));
        Assert.Contains("context length of 8", e.Message);
        Assert.Equal(0, model.Position);
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward([100000]));
        Assert.Equal(512, model.Forward([1, 2, 3]).Length);
        gpu.AssertClean();
    }
}
