using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>out[r, c] = x[r, c] op v[c]: x f32 [.., C], v f16 [C]. The unfused bias add and norm weight; the
/// graph's fusion passes fold them into the kernel before.</summary>
public sealed class RowBroadcastKernel(BroadcastOp op) : Kernel, IRowBroadcast
{
    public BroadcastOp Op => op;

    public override string Kind => "row_broadcast";
    public override int InputCount => 2;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        ExpectCounts(this, inputs, outputs);
        var (x, v) = (inputs[0], inputs[1]);
        Expect(x.DType == DType.F32 && outputs[0].DType == DType.F32, $"row_broadcast takes and writes f32, got {x} -> {outputs[0]}");
        Expect(x.Rank >= 1 && x[-1] > 0, $"row_broadcast needs a non-empty last dimension, got {x}");
        Expect(v.DType == DType.F16 && v.Elements == x[-1], $"row_broadcast vector must be f16[{x[-1]}], got {v}");
        Expect(x.Equals(outputs[0]), $"row_broadcast writes x's shape, got {x} -> {outputs[0]}");
    }

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps)
    {
        var x = inputs[0];
        var (gx, gy) = Elementwise.Grid(x.Elements);
        return new KernelDispatch("row_broadcast", ShaderLayout.Specialization(new Specialization(op == BroadcastOp.Add ? 0u : 1u)),
            ShaderLayout.Push(new PushBlock((uint)x.Elements, (uint)x[-1])), gx, gy);
    }

    public override string Describe() => $"row_broadcast({op.ToString().ToLowerInvariant()})";

    /// <summary>Op: 0 add, 1 multiply (<see cref="BroadcastOp"/>).</summary>
    [GlslSpecialization("row_broadcast.comp")]
    public readonly record struct Specialization(uint Op);

    [GlslPushConstants("row_broadcast.comp")]
    public readonly record struct PushBlock(uint N, uint Cols);
}
