using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>Row-wise softmax over the last dimension, f32 in and out (rows up to the 151936-entry vocabulary).</summary>
public sealed class SoftmaxKernel : Kernel
{
    public override string Kind => "softmax";
    public override int InputCount => 1;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        ExpectCounts(this, inputs, outputs);
        var x = inputs[0];
        Expect(x.DType == DType.F32 && outputs[0].DType == DType.F32, $"softmax takes and writes f32, got {x} -> {outputs[0]}");
        Expect(x.Rank >= 1 && x[-1] > 0, $"softmax needs a non-empty last dimension, got {x}");
        Expect(x.Equals(outputs[0]), $"softmax writes x's shape, got {x} -> {outputs[0]}");
    }

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps)
    {
        var x = inputs[0];
        var (gx, gy) = RowGrid.For(x.Rows);
        uint wg = caps.Kind == DeviceKind.Cpu ? (x[-1] <= 256 ? 64u : 256u) : RowGrid.GpuWorkgroup(caps, x.Rows, x[-1]);
        return new KernelDispatch("softmax", ShaderLayout.Specialization(new Specialization(wg)), ShaderLayout.Push(new PushBlock((uint)x.Rows, (uint)x[-1])), gx, gy);
    }

    [GlslSpecialization("softmax.comp")]
    public readonly record struct Specialization(uint Wg);

    [GlslPushConstants("softmax.comp")]
    public readonly record struct PushBlock(uint Rows, uint Cols);
}
