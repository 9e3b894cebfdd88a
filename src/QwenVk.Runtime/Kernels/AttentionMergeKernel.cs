using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>
/// The second half of split decode attention (flash decoding): the partials f32 [Hq, splits, Dh + 4] that
/// <see cref="AttentionKernel"/> with splits writes become the attention f32 [1, Hq, Dh], each head's splits
/// weighted by exp(m_s - max m) and divided by the weighted sum of their exponentials.
/// </summary>
public sealed class AttentionMergeKernel : Kernel
{
    public override string Kind => "attention_merge";
    public override int InputCount => 1;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        ExpectCounts(this, inputs, outputs);
        var (p, o) = (inputs[0], outputs[0]);
        Expect(p.DType == DType.F32 && p.Rank == 3 && p[2] > AttentionKernel.PartialTailFloats && p[1] >= 1,
            $"attention_merge takes partials f32 [heads, splits, head_dim + {AttentionKernel.PartialTailFloats}], got {p}");
        var want = TensorType.Of(DType.F32, 1, p[0], p[2] - AttentionKernel.PartialTailFloats);
        Expect(o.Equals(want), $"attention_merge writes {want} for partials {p}, got {o}");
        Expect(p[0] > 0, $"attention_merge needs at least one head, got {p}");
    }

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps)
    {
        var p = inputs[0];
        Expect(p[0] <= caps.MaxComputeWorkGroupCount[0], $"attention_merge: {p[0]} heads exceed the device's workgroup count limit");
        uint wg = caps.Kind == DeviceKind.Cpu ? Math.Max(1, caps.SubgroupSize) : 64;
        return new KernelDispatch("attention_merge",
            ShaderLayout.Specialization(new Specialization(wg, (uint)(p[2] - AttentionKernel.PartialTailFloats), (uint)p[1])), [], (uint)p[0]);
    }

    /// <summary>Dh: head dimension; Splits: partials per head.</summary>
    [GlslSpecialization("attention_merge.comp")]
    public readonly record struct Specialization(uint Wg, uint Dh, uint Splits);
}
