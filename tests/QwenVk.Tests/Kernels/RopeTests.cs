using QwenVk.Reference.KernelChecks;
using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Tests.Kernels;

[Collection("gpu")]
public sealed class RopeTests(GpuFixture gpu)
{
    public static TheoryData<string> Cases() => new(RopeCheck.Cases().Select(c => c.Case));

    [Theory, MemberData(nameof(Cases))]
    public void MatchesCpuReference(string name) => KernelCheckRunner.Run(gpu, RopeCheck.Cases(), name);

    [Fact]
    public void PositionsPastTheTableComeOutNaN()
    {
        var ctx = gpu.Ctx;
        var type = TensorType.Of(DType.F32, 3, 2, 8);
        var tx = Input(ctx, type, Floats(new Random(1), type.Elements), "x");
        var tt = Input(ctx, TensorType.Of(DType.F32, 6, 4, 2), RopeTable.Build(6, RopeTable.InverseFrequencies(8, 1e4)), "table");
        var ts = Input(ctx, TensorType.Of(DType.U32, 1), new uint[] { 4 }, "step");
        var to = Output(ctx, type, "out");
        KernelRunner.Run(ctx, new RopeKernel(), [tx, tt, ts], [to]);
        var y = ReadF32(to);
        Free(tx, tt, ts, to);
        // Tokens at positions 4 and 5 are in the 6-row table, the one at 6 is not.
        Assert.All(y[..32], v => Assert.True(float.IsFinite(v)));
        Assert.All(y[32..], v => Assert.True(float.IsNaN(v)));
        gpu.AssertClean();
    }

    [Fact]
    public void TableRejectsBadArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RopeTable.InverseFrequencies(63, 1e4));
        Assert.Throws<ArgumentOutOfRangeException>(() => RopeTable.InverseFrequencies(64, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => RopeTable.Build(0, [1.0]));
    }
}
