using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>SwiGLU activation: out = gate * sigmoid(gate) * up, all f32 of one shape.</summary>
public sealed class SiluMulKernel : Kernel
{
    public override string Kind => "silu_mul";
    public override int InputCount => 2;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        ExpectCounts(this, inputs, outputs);
        Expect(inputs.Concat(outputs).All(t => t.DType == DType.F32), "silu_mul takes and writes f32");
        Expect(inputs[0].Equals(inputs[1]) && inputs[0].Equals(outputs[0]),
            $"silu_mul needs gate, up and out of one shape, got {inputs[0]}, {inputs[1]} -> {outputs[0]}");
    }

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps)
    {
        var (gx, gy) = Elementwise.Grid(outputs[0].Elements);
        return new KernelDispatch("silu_mul", [], new PushConstants().U(outputs[0].Elements), gx, gy);
    }
}
