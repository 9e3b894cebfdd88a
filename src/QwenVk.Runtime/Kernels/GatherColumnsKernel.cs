using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>out[t, j] = x[t, perm[j]] (f32 [N, K], perm u32 [K]): reorders the columns of each row, e.g. a product's
/// input into the order its weight's columns were stored in.</summary>
public sealed class GatherColumnsKernel : Kernel
{
    public override string Kind => "gather_columns";
    public override int InputCount => 2;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        ExpectCounts(this, inputs, outputs);
        var (x, perm, o) = (inputs[0], inputs[1], outputs[0]);
        Expect(x.DType == DType.F32 && o.DType == DType.F32 && perm.DType == DType.U32, $"gather_columns takes f32 x and u32 perm and writes f32, got {x}, {perm} -> {o}");
        Expect(x.Rank >= 1 && perm.Rank == 1 && perm[0] == x[-1] && o.Shape.SequenceEqual(x.Shape), $"gather_columns needs perm [K] for x [.., K] and out shaped as x, got {x}, {perm} -> {o}");
    }

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps)
    {
        long n = outputs[0].Elements;
        var (gx, gy) = Elementwise.Grid(n);
        return new KernelDispatch("gather_columns", [], ShaderLayout.Push(new PushBlock((uint)n, (uint)inputs[0][-1])), gx, gy);
    }

    public override KernelCost Cost(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs) =>
        new(outputs[0].Bytes * 2.0 + inputs[1].Bytes, 0);

    public override string Describe() => "gather_columns";

    [GlslPushConstants("gather_columns.comp")]
    public readonly record struct PushBlock(uint N, uint K);
}
