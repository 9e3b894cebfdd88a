using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>out = x[first .. first + rows) (f32 rows): selects rows of a matrix, e.g. the last token's state.</summary>
public sealed class CopyRowsKernel(int first) : Kernel
{
    public int First { get; } = first;
    public override string Kind => "copy_rows";
    public override int InputCount => 1;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        ExpectCounts(this, inputs, outputs);
        var x = inputs[0];
        var o = outputs[0];
        Expect(x.DType == DType.F32 && o.DType == DType.F32, "copy_rows takes and writes f32");
        Expect(x.Rank >= 1 && o.Rank >= 1 && x[-1] == o[-1], $"copy_rows needs equal row widths, got {x} -> {o}");
        Expect(First >= 0 && First + o.Rows <= x.Rows, $"rows {First}..{First + o.Rows} are outside {x}");
    }

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps)
    {
        long n = outputs[0].Elements, first = (long)First * inputs[0][-1];
        bool vec4 = n % 4 == 0 && first % 4 == 0;
        var (gx, gy) = Elementwise.Grid(vec4 ? n / 4 : n);
        return new KernelDispatch("copy_rows", ShaderLayout.Specialization(new Specialization(vec4 ? 1u : 0u)),
            ShaderLayout.Push(new PushBlock((uint)n, (uint)first)), gx, gy);
    }

    /// <summary>Only the selected rows are read.</summary>
    public override KernelCost Cost(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs) =>
        new(outputs[0].Bytes * 2.0, 0);

    public override string Describe() => $"copy_rows(first={First})";

    [GlslSpecialization("copy_rows.comp")]
    public readonly record struct Specialization(uint Vec4);

    [GlslPushConstants("copy_rows.comp")]
    public readonly record struct PushBlock(uint N, uint FirstElement);
}
