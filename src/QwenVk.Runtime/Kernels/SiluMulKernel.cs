using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>SwiGLU activation: out = gate * sigmoid(gate) * up, all f32. Two forms: gate and up as two tensors of one
/// shape, or (<see cref="Stacked"/>) one tensor [rows, 2M], the output of a stacked gate/up product, whose columns
/// hold gate and up in alternating blocks of <see cref="StackedBlockRows"/>, into out [rows, M].</summary>
public sealed class SiluMulKernel(bool stacked = false) : Kernel
{
    /// <summary>The stacked gate/up layout: this many gate rows (output columns), then the up rows of the same
    /// outputs, and so on. 8, the lanes of a lavapipe subgroup, so that in the fused decode product
    /// (<see cref="MatVecKernel"/> with SwiGLU) the lanes of a workgroup read one contiguous run of rows.</summary>
    public const int StackedBlockRows = 8;

    public bool Stacked => stacked;
    public override string Kind => "silu_mul";
    public override int InputCount => stacked ? 1 : 2;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        ExpectCounts(this, inputs, outputs);
        Expect(inputs.Concat(outputs).All(t => t.DType == DType.F32), "silu_mul takes and writes f32");
        if (stacked)
        {
            var (gu, o) = (inputs[0], outputs[0]);
            Expect(o.Rank >= 1 && o[-1] % StackedBlockRows == 0 && gu.Rows == o.Rows && gu[-1] == 2 * o[-1],
                $"silu_mul (stacked) needs gate/up [rows, 2M] and out [rows, M] with M a multiple of {StackedBlockRows}, got {gu} -> {o}");
            return;
        }
        Expect(inputs[0].Equals(inputs[1]) && inputs[0].Equals(outputs[0]),
            $"silu_mul needs gate, up and out of one shape, got {inputs[0]}, {inputs[1]} -> {outputs[0]}");
    }

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps)
    {
        var o = outputs[0];
        var (gx, gy) = Elementwise.Grid(o.Elements);
        return stacked
            ? new KernelDispatch("silu_mul_stacked", ShaderLayout.Specialization(new StackedSpecialization((uint)StackedBlockRows)),
                ShaderLayout.Push(new StackedPushBlock((uint)o.Elements, (uint)o[-1])), gx, gy)
            : new KernelDispatch("silu_mul", [], ShaderLayout.Push(new PushBlock((uint)o.Elements)), gx, gy);
    }

    public override string Describe() => stacked ? "silu_mul(stacked)" : "silu_mul";

    [GlslPushConstants("silu_mul.comp")]
    public readonly record struct PushBlock(uint N);

    [GlslSpecialization("silu_mul_stacked.comp")]
    public readonly record struct StackedSpecialization(uint Block);

    [GlslPushConstants("silu_mul_stacked.comp")]
    public readonly record struct StackedPushBlock(uint N, uint M);
}
