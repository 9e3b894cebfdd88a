using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>out = a + b (fp32, same shape): the residual connection.</summary>
public sealed class AddKernel : Kernel
{
    public override string Kind => "add";
    public override int InputCount => 2;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        ExpectCounts(this, inputs, outputs);
        Expect(inputs.All(t => t.DType == DType.F32) && outputs[0].DType == DType.F32, "add takes and writes f32");
        Expect(inputs[0].Elements == inputs[1].Elements && inputs[0].Elements == outputs[0].Elements,
            $"add needs equal sizes, got {inputs[0]} + {inputs[1]} -> {outputs[0]}");
    }

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps)
    {
        var (x, y) = Elementwise.Grid(outputs[0].Elements);
        return new KernelDispatch("add", [], ShaderLayout.Push(new PushBlock((uint)outputs[0].Elements)), x, y);
    }

    [GlslPushConstants("add.comp")]
    public readonly record struct PushBlock(uint N);
}
