using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>
/// Token embedding gather: for each n with rowOffset &lt;= ids[n] &lt; rowOffset + R, out[n, :] = table[ids[n] - rowOffset, :]
/// (fp16 -> fp32, exact); other rows of out are untouched, so a table split into row chunks is gathered by one
/// dispatch per chunk. Bindings: ids u32 [N], table f16 [R, D], out f32 [N, D].
/// </summary>
public sealed class EmbeddingKernel : Kernel
{
    const uint Workgroup = 64;

    public int RowOffset { get; }

    public EmbeddingKernel(int rowOffset = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rowOffset);
        RowOffset = rowOffset;
    }

    public override string Kind => "embedding";
    public override int InputCount => 2;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs) => Shape(inputs, outputs);

    (int N, int R, int D) Shape(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        ExpectCounts(this, inputs, outputs);
        var (ids, table, o) = (inputs[0], inputs[1], outputs[0]);
        Expect(ids.DType == DType.U32, $"embedding: ids must be u32 [N], got {ids}");
        WeightFormat.Check("embedding", "table [R, D]", table);
        Expect(o.DType == DType.F32 && o.Rank >= 1, $"embedding: out must be f32 [N, D], got {o}");
        Expect(o[-1] == table[1], $"embedding: out {o} rows have {o[-1]} values but table {table} rows have {table[1]}");
        Expect(o.Rows == ids.Elements, $"embedding: out {o} has {o.Rows} rows for {ids.Elements} ids");
        return ((int)ids.Elements, table[0], table[1]);
    }

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps)
    {
        var (n, r, d) = Shape(inputs, outputs);
        bool wide = d % 8 == 0;  // always for quantized tables (D % 32 == 0)
        uint groupsX = DivUp(wide ? d / 8 : d, Workgroup);
        uint groupsY = Math.Min((uint)Math.Max(n, 1), caps.MaxComputeWorkGroupCount[1]);
        return new KernelDispatch("embedding", ShaderLayout.Specialization(new Specialization(Workgroup, wide ? 1u : 0u, WeightFormat.Code(inputs[1].DType))),
            ShaderLayout.Push(new PushBlock((uint)n, (uint)d, (uint)r, (uint)RowOffset)), Math.Max(groupsX, 1), groupsY);
    }

    [GlslSpecialization("embedding.comp")]
    public readonly record struct Specialization(uint Wg, uint Wide, uint Wfmt);

    /// <summary>R: rows in this table chunk; RowOffset: the vocabulary id of its first row.</summary>
    [GlslPushConstants("embedding.comp")]
    public readonly record struct PushBlock(uint N, uint D, uint R, uint RowOffset);

    /// <summary>Only the gathered rows move, but which ids fall in this chunk is not known here: counted as if all do.</summary>
    public override KernelCost Cost(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs) =>
        new(inputs[0].Bytes + (double)outputs[0].Elements * ((double)inputs[1].Bytes / inputs[1].Elements + 4), 0);

    public override string Describe() => RowOffset != 0 ? $"embedding@row{RowOffset}" : "embedding";
}
