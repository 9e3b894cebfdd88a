using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Tests.Kernels;

/// <summary>The launch choices made for GPUs, which lavapipe never takes: planned for a device described like the
/// NVIDIA H200 they were measured on (docs/BENCHMARKS.md). The kernels' results in those layouts are checked by the
/// forced variants of the kernel checks.</summary>
[Collection("gpu")]
public sealed class GpuPlanTests(GpuFixture gpu)
{
    DeviceCapabilities Gpu => gpu.Ctx.Capabilities with
    {
        Kind = DeviceKind.DiscreteGpu,
        SubgroupSize = 32,
        MinSubgroupSize = 32,
        MaxSubgroupSize = 32,
        MaxComputeWorkGroupInvocations = 1024,
        TexelLoads = false,
    };

    static TensorType F32(params int[] shape) => TensorType.Of(DType.F32, shape);
    static TensorType F16(params int[] shape) => TensorType.Of(DType.F16, shape);

    [Theory]
    [InlineData(64, 1)]      // a short cache: no split
    [InlineData(4096, 8)]    // the default context: one split per 512 rows
    [InlineData(32768, 16)]  // at most 16
    public void DecodeAttentionSplitsOnGpusOnly(int cacheRows, int splits)
    {
        Assert.Equal(splits, AttentionKernel.DecodeSplits(Gpu, cacheRows));
        Assert.Equal(1, AttentionKernel.DecodeSplits(gpu.Ctx.Capabilities with { Kind = DeviceKind.Cpu }, cacheRows));
        var (qk, v, cache) = (F32(1, 16, 64), F32(1, 2, 64), F16(2, cacheRows, 64));
        var plan = new AttentionKernel(0.125f, ropeKv: true, splits: splits)
            .Plan([qk, cache, cache, TensorType.Of(DType.U32, 1), F32(cacheRows, 32, 2), v], [AttentionKernel.PartialsType(14, splits, 64), cache, cache], Gpu);
        Assert.Equal((14u, (uint)splits), (plan.GroupsX, plan.GroupsY));
        Assert.Equal((uint)splits, plan.Specialization[3]);
    }

    [Fact]
    public void SplitKPutsTheWholeWorkgroupOnOneRowSet()
    {
        var plain = new MatVecKernel(hasBias: false).Plan([F32(1, 4864), F16(896, 4864)], [F32(1, 896)], Gpu);
        var split = new MatVecKernel(hasBias: false, splitK: true).Plan([F32(1, 4864), F16(896, 4864)], [F32(1, 896)], Gpu);
        Assert.Equal(0u, plain.Specialization[8]);
        Assert.Equal(1u, split.Specialization[8]);
        Assert.Equal(4 * plain.GroupsX, split.GroupsX);  // 128-wide workgroups: 4 subgroups of 32 on one row each
        Assert.Equal(1u, split.Specialization[1]);       // rows per workgroup
    }

    [Theory]
    [InlineData(896, 2u)]    // Qwen2.5-0.5B's rows: two per subgroup
    [InlineData(1024, 2u)]
    [InlineData(3584, 1u)]   // Qwen2.5-7B's: one
    [InlineData(18944, 1u)]
    public void MatVecTakesTwoShortRowsPerSubgroup(int k, uint rowsPerSubgroup)
    {
        var plan = new MatVecKernel(hasBias: false).Plan([F32(1, k), F16(4096, k)], [F32(1, 4096)], Gpu);
        Assert.Equal(rowsPerSubgroup, plan.Specialization[3]);
        Assert.Equal(0u, plan.Specialization[5]);  // lanes along K, not lane rows
        Assert.Equal(128u, plan.Specialization[0]);
    }

    [Theory]
    [InlineData(1, 151936, 1024u)]  // decode's vocabulary row: the widest workgroup
    [InlineData(512, 896, 256u)]    // prefill's rows
    [InlineData(1, 200, 64u)]
    public void RowReductionsWidenForFewLongRows(int rows, int cols, uint workgroup)
    {
        Assert.Equal(workgroup, new ArgmaxKernel().Plan([F32(rows, cols)], [TensorType.Of(DType.U32, rows)], Gpu).Specialization[0]);
        Assert.Equal(workgroup, new SoftmaxKernel().Plan([F32(rows, cols)], [F32(rows, cols)], Gpu).Specialization[0]);
    }

    [Fact]
    public void RowReductionsStayWithinTheDeviceLimit()
    {
        var small = Gpu with { MaxComputeWorkGroupInvocations = 512 };
        Assert.Equal(512u, new ArgmaxKernel().Plan([F32(1, 151936)], [TensorType.Of(DType.U32, 1)], small).Specialization[0]);
    }
}
