using QwenVk.Reference.KernelBenchmarks;

namespace QwenVk.Tests.Benchmarks;

public sealed class KernelBenchSuiteTests
{
    static readonly string[] Kernels =
        ["matvec", "matmul", "embedding", "rmsnorm", "row_broadcast", "rope", "kv_append", "attention", "attention_merge", "silu_mul", "softmax", "argmax", "add", "copy_rows", "gather_columns", "token_logprob"];

    [Theory, InlineData("0.5b"), InlineData("7b")]
    public void EveryPresetCoversEveryKernelWithUniqueIdsAndACost(string preset)
    {
        var cases = KernelBenchSuite.All(preset);
        Assert.Equal(Kernels.Order(), cases.Select(c => c.Kernel).Distinct().Order());
        Assert.Equal(cases.Count, cases.Select(c => c.Id).Distinct().Count());
        Assert.All(cases, c => Assert.True(c.Cost.Bytes > 0, c.Id));
        Assert.All(cases.Where(c => c.Kernel is "matmul" or "matvec" or "attention"), c => Assert.True(c.Cost.Flops > 0, c.Id));
        Assert.Contains(cases, c => c.Id == $"{preset}/decode/attention.ctx4096");
        Assert.Contains(cases, c => c.Id == $"{preset}/prefill/matmul.gate_up" && c.Shape.StartsWith("f32[512,"));
    }

    [Fact]
    public void Qwen3PresetTimesTheDecodeAttentionWithItsQkNormAndNoBias()
    {
        var cases = KernelBenchSuite.All("qwen3-0.6b");
        Assert.Contains(cases, c => c.Id == "qwen3-0.6b/decode/attention.ctx512" && c.Shape.StartsWith("f32[1,24,128]"));
        Assert.Contains(cases, c => c.Id == "qwen3-0.6b/prefill/rmsnorm.q_norm");
        Assert.DoesNotContain(cases, c => c.Kernel == "row_broadcast");
        Assert.DoesNotContain("+bias", cases.Single(c => c.Id == "qwen3-0.6b/decode/matvec.qkv").Shape);
    }

    [Fact]
    public void AllIsEveryPresetAndAnUnknownPresetIsNamed()
    {
        Assert.Equal(BenchModelShape.Presets.Sum(p => KernelBenchSuite.All(p.Name).Count), KernelBenchSuite.All("all").Count);
        var e = Assert.Throws<ArgumentException>(() => KernelBenchSuite.All("70b"));
        Assert.Contains("70b", e.Message);
        Assert.Contains("0.5b", e.Message);
    }

    [Fact]
    public void LmHeadCostIsTheWholeWeightAndTheDecodeAttentionOnlyItsContext()
    {
        var lmHead = KernelBenchSuite.All("7b").Single(c => c.Id == "7b/decode/matvec.lm_head");
        Assert.Equal(152064.0 * 3584 * 2 + 3584 * 4 + 152064 * 4, lmHead.Cost.Bytes);
        var a512 = KernelBenchSuite.All("0.5b").Single(c => c.Id == "0.5b/decode/attention.ctx512");
        var a4096 = KernelBenchSuite.All("0.5b").Single(c => c.Id == "0.5b/decode/attention.ctx4096");
        Assert.Equal(8.0, a4096.Cost.Flops / a512.Cost.Flops, 6);
        // Decode attention ropes and appends too: q read and the output written (14 x 64 f32 each), 512 rows of both
        // caches (2 kv heads x 64 fp16), the unrotated keys and the values (2 x 64 f32 each), one rope table row.
        Assert.Equal(2 * 14 * 64 * 4 + 2 * 2 * 512 * 64 * 2 + 2 * 2 * 64 * 4 + 32 * 2 * 4, a512.Cost.Bytes);
    }
}

/// <summary>Every case of a tiny model shape through the real timer, with validation (and synchronization
/// validation) on, and a binding limit small enough to split the vocabulary matrices into chunks.</summary>
[Collection("gpu")]
public sealed class KernelBenchRunTests(GpuFixture gpu)
{
    static readonly BenchModelShape Tiny = new("tiny", Hidden: 64, HeadsQ: 4, HeadsKv: 2, HeadDim: 16, Intermediate: 96, Vocab: 1000);

    [Fact]
    public void EveryTinyCaseRunsCleanlyAndSplitWeightsDispatchPerChunk()
    {
        var options = new BenchOptions(TargetSeconds: 1e-3, MinRuns: 3, MaxRuns: 5);
        var cases = KernelBenchSuite.For(Tiny, prefillTokens: 16, cacheRows: 64, decodeContexts: [8, 64], coldWeightBytes: 64 << 10).ToList();
        // 1000 x 64 fp16 rows of 128 bytes: 256 rows (32 KiB) per chunk, 4 chunks.
        var results = cases.Select(c => KernelBenchRunner.Run(gpu.Ctx, c, options, copyGBps: 1, maxBindingBytes: 32 << 10)).ToList();
        Assert.All(results, r =>
        {
            Assert.True(r.Timing.MedianNs > 0 && r.Timing.MinNs <= r.Timing.MedianNs && r.Timing.MedianNs <= r.Timing.MaxNs, r.Case.Id);
            Assert.InRange(r.Timing.Runs, 3, 5);
        });
        Assert.Equal(4, results.Single(r => r.Case.Id == "tiny/decode/matvec.lm_head").Dispatches);
        Assert.Equal(4, results.Single(r => r.Case.Id == "tiny/prefill/embedding.tokens").Dispatches);
        Assert.Equal(1, results.Single(r => r.Case.Id == "tiny/prefill/matmul.down").Dispatches);
        // Decode products rotate through weight copies adding up to the cold size (q/k/v stacked, 128 x 64 fp16 =
        // 16 KiB: 4 copies); the lm_head (125 KiB) is larger alone, and prefill products are compute-bound and keep one.
        Assert.Equal(4, results.Single(r => r.Case.Id == "tiny/decode/matvec.qkv").Copies);
        Assert.Equal(1, results.Single(r => r.Case.Id == "tiny/decode/matvec.lm_head").Copies);
        Assert.Equal(1, results.Single(r => r.Case.Id == "tiny/prefill/matmul.q").Copies);
        Assert.Null(results.Single(r => r.Case.Id == "tiny/prefill/matmul.q").PercentOfCopy);
        Assert.NotNull(results.Single(r => r.Case.Id == "tiny/decode/matvec.qkv").PercentOfCopy);
        gpu.AssertClean();
    }

    [Fact]
    public void CopyBandwidthCountsReadAndWrite()
    {
        var copy = CopyBandwidth.Measure(gpu.Ctx, new BenchOptions(TargetSeconds: 1e-3, MinRuns: 3, MaxRuns: 5), bytes: 1 << 20);
        Assert.Equal(1UL << 20, copy.Bytes);
        Assert.Equal(2.0 * copy.Bytes / copy.Command.MedianNs, copy.CommandGBps);
        Assert.Equal(2.0 * copy.Bytes / copy.Shader.MedianNs, copy.ShaderGBps);
        // The roofline is the faster of the two copies, and its timing is that copy's.
        Assert.Equal(Math.Max(copy.CommandGBps, copy.ShaderGBps), copy.GBps);
        Assert.Equal(2.0 * copy.Bytes / copy.Timing.MedianNs, copy.GBps);
        Assert.True(copy.CommandGBps > 0 && copy.ShaderGBps > 0);
        gpu.AssertClean();
    }
}
