namespace QwenVk.Runtime.Kernels;

/// <summary>The shape both linear kernels (matvec, matmul) check: x f32 [N, K], W [M, K] in f16, q8_0, q4_0, q4_z or q8_z
/// (<see cref="WeightFormat"/>; one output feature per row, as a Hugging Face nn.Linear weight), optional bias f16 [M], y f32 [N, Mtotal] written at columns
/// [columnOffset, columnOffset + M). Leading dimensions of x and y are flattened into N.</summary>
readonly record struct LinearShape(int N, int M, int K, int RowStride)
{
    public static LinearShape Check(string kind, bool hasBias, int columnOffset, IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        int expectedInputs = hasBias ? 3 : 2;
        Expect(inputs.Count == expectedInputs, $"{kind} takes {expectedInputs} inputs (x, W{(hasBias ? ", bias" : "")}), got {inputs.Count}");
        Expect(outputs.Count == 1, $"{kind} writes 1 output, got {outputs.Count}");
        var (x, w, y) = (inputs[0], inputs[1], outputs[0]);
        Expect(x.DType == DType.F32 && x.Rank >= 1, $"{kind}: x must be f32 [N, K], got {x}");
        WeightFormat.Check(kind, "W (rows = output features)", w);
        Expect(y.DType == DType.F32 && y.Rank >= 1, $"{kind}: y must be f32 [N, Mtotal], got {y}");
        int k = x[-1], m = w[0];
        Expect(w[1] == k, $"{kind}: W {w} has {w[1]} columns but x {x} has K = {k}");
        Expect(k > 0 && m > 0, $"{kind}: empty weight {w}");
        Expect(y.Rows == x.Rows, $"{kind}: y {y} has {y.Rows} rows but x {x} has {x.Rows}");
        Expect(columnOffset + (long)m <= y[-1],
            $"{kind}: columns {columnOffset}..{columnOffset + (long)m - 1} of W's output do not fit y {y} (Mtotal = {y[-1]})");
        if (hasBias)
        {
            var b = inputs[2];
            Expect(b.DType == DType.F16 && b.Elements == m, $"{kind}: bias must be f16 [{m}] (one per row of W {w}), got {b}");
        }
        return new LinearShape(x.Rows, m, k, y[-1]);
    }

    public byte[] Push(int columnOffset) =>
        ShaderLayout.Push(new MatMulKernel.PushBlock((uint)N, (uint)M, (uint)K, (uint)RowStride, (uint)columnOffset));

    /// <summary>The matvec shader's block: the same, then the input RMSNorm's epsilon (unused without it).</summary>
    public byte[] Push(int columnOffset, float eps) =>
        ShaderLayout.Push(new MatVecKernel.PushBlock((uint)N, (uint)M, (uint)K, (uint)RowStride, (uint)columnOffset, eps));

    /// <summary>Weights and bias read once, activations read once, outputs written once; 2 FLOPs per multiply-add.</summary>
    public KernelCost Cost(IReadOnlyList<TensorType> inputs) =>
        new(inputs.Sum(t => (double)t.Bytes) + 4.0 * N * M, 2.0 * N * M * K);

    public static string Describe(string kind, bool hasBias, int columnOffset) =>
        kind + (hasBias ? "+bias" : "") + (columnOffset != 0 ? $"@col{columnOffset}" : "");

    static void Expect(bool condition, string message)
    {
        if (!condition) throw new KernelShapeException(message);
    }
}
