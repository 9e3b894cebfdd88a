using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;

namespace QwenVk.Tests.Kernels;

/// <summary>The Cost overrides that count less than "every tensor once": expected figures worked out by hand.</summary>
public sealed class KernelCostTests
{
    static TensorType F32(params int[] s) => TensorType.Of(DType.F32, s);
    static TensorType F16(params int[] s) => TensorType.Of(DType.F16, s);
    static readonly TensorType Step = TensorType.Of(DType.U32, 1);

    [Fact]
    public void AttentionDecodeReadsOnlyTheVisibleCacheRows()
    {
        // 1 token at position 511 of a 4096-row cache: 512 keys per head.
        var q = F32(1, 14, 64);
        var cost = new AttentionKernel(0.125f).CostAt([q, F16(2, 4096, 64), F16(2, 4096, 64), Step], 511);
        Assert.Equal(2 * 14 * 64 * 4 + 2 * (2 * 512 * 64 * 2), cost.Bytes);
        Assert.Equal(4.0 * 14 * 512 * 64, cost.Flops);
    }

    [Fact]
    public void AttentionWindowCountsTheUnionOfRowsAndEachQuerysKeys()
    {
        // Queries at 50 and 51 with a window of 10 see rows 41..50 and 42..51: 20 keys, 11 distinct rows.
        var q = F32(2, 4, 8);
        var cost = new AttentionKernel(1f, window: 10).CostAt([q, F16(1, 100, 8), F16(1, 100, 8), Step], 50);
        Assert.Equal(2 * (2 * 4 * 8 * 4) + 2 * (11 * 8 * 2), cost.Bytes);
        Assert.Equal(4.0 * 4 * 20 * 8, cost.Flops);
    }

    [Fact]
    public void AttentionCostWithoutAPositionIsTheFullCache()
    {
        var inputs = new[] { F32(3, 4, 8), F16(2, 40, 8), F16(2, 40, 8), Step };
        var k = new AttentionKernel(1f);
        Assert.Equal(k.CostAt(inputs, 37), k.Cost(inputs, [inputs[0]]));
        // Rows 0..39 of both caches; keys 38 + 39 + 40 per query head.
        Assert.Equal(2 * (3 * 4 * 8 * 4) + 2 * (2 * 40 * 8 * 2), k.Cost(inputs, [inputs[0]]).Bytes);
        Assert.Equal(4.0 * 4 * (38 + 39 + 40) * 8, k.Cost(inputs, [inputs[0]]).Flops);
    }

    [Fact]
    public void AttentionPastTheCacheReadsNothing()
    {
        var q = F32(1, 2, 8);
        var cost = new AttentionKernel(1f).CostAt([q, F16(1, 10, 8), F16(1, 10, 8), Step], 10);
        Assert.Equal(2 * 2 * 8 * 4, cost.Bytes);
        Assert.Equal(0, cost.Flops);
    }

    [Fact]
    public void KvAppendWritesOnlyTheNewRows()
    {
        var k = F32(3, 2, 16);
        var cost = new KvAppendKernel().Cost([k, k, Step], [F16(2, 4096, 16), F16(2, 4096, 16)]);
        Assert.Equal(2 * (3 * 2 * 16 * 4) + 2 * (3 * 2 * 16 * 2), cost.Bytes);
    }

    [Fact]
    public void RopeReadsOnlyTheRowsOfItsPositions()
    {
        var x = F32(3, 2, 4);
        var cost = new RopeKernel().Cost([x, F32(100, 2, 2), Step], [x]);
        Assert.Equal(2 * 24 * 4 + 3 * (2 * 2 * 4), cost.Bytes);
        Assert.Equal(6.0 * 12, cost.Flops);
    }

    [Fact]
    public void CopyRowsReadsOnlyTheSelectedRows()
    {
        var cost = new CopyRowsKernel(7).Cost([F32(10, 8)], [F32(2, 8)]);
        Assert.Equal(2 * 2 * 8 * 4, cost.Bytes);
    }
}
