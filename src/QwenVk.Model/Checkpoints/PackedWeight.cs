namespace QwenVk.Model.Checkpoints;

/// <summary>
/// A GPTQ / AWQ projection as its checkpoint stores it, in place of "&lt;prefix&gt;weight" [N, K]: the tensors it is
/// made of, the dtype and shape each must have, and the weight they stand for.
/// GPTQ v1: qweight I32 [K / (32/bits), N] packed along K (element j of a word at bit j*bits), qzeros I32
/// [groups, N / (32/bits)] packed along N holding zero - 1, scales F16 [groups, N], g_idx I32 [K];
/// W[n, k] = scales[g_idx[k], n] * (q[k, n] - (qzeros[g_idx[k], n] + 1)).
/// AWQ gemm: qweight I32 [K, N/8] and qzeros I32 [groups, N/8], both packed along N, nibble i of packed column c
/// holding column 8c + order[i]; scales F16 [groups, N]; W[n, k] = (q[k, n] - z[k / group, n]) * scales[k / group, n].
/// </summary>
public static class PackedWeight
{
    public const string QWeight = "qweight", QZeros = "qzeros", Scales = "scales", GIdx = "g_idx";

    /// <summary>AWQ's packing order within a word: nibble i holds column order[i] of its 8.</summary>
    static readonly int[] AwqOrder = [0, 2, 4, 6, 1, 3, 5, 7];

    /// <summary>A tensor a packed projection is made of, with the dtype and shape it must have.</summary>
    public sealed record Part(string Name, string Field, SafeTensorsDType DType, long[] Shape, string ShapeFrom)
    {
        public string ShapeText => "[" + string.Join(", ", Shape) + "]";
    }

    public static string PartName(string weight, string field) => weight[..^"weight".Length] + field;

    /// <summary>The tensors that replace <paramref name="weight"/> [n, k], or why they cannot (group size or packing
    /// not fitting the shape).</summary>
    public static (Part[] Parts, string? Unfit) Parts(PackedQuantization q, string weight, long n, long k)
    {
        long groups = q.Groups(k);
        int per = q.PerWord;
        string? unfit =
            q.GroupSize != -1 && k % q.GroupSize != 0 ? $"group_size {q.GroupSize} does not divide the {k} input columns (K) of \"{weight}\""
            : n % per != 0 ? $"the {n} output columns (N) of \"{weight}\" are not whole int32 words of {per} {q.Bits}-bit zeros"
            : q.Method == PackedMethod.Gptq && k % per != 0 ? $"the {k} input columns (K) of \"{weight}\" are not whole int32 words of {per} {q.Bits}-bit values"
            : null;
        string g = q.GroupSize == -1 ? "1 (group_size -1)" : "K / group_size";
        Part[] parts = q.Method == PackedMethod.Gptq
            ?
            [
                new(PartName(weight, QWeight), QWeight, SafeTensorsDType.I32, [k / per, n], $"[K / {per}, N]"),
                new(PartName(weight, QZeros), QZeros, SafeTensorsDType.I32, [groups, n / per], $"[{g}, N / {per}]"),
                new(PartName(weight, Scales), Scales, SafeTensorsDType.F16, [groups, n], $"[{g}, N]"),
                new(PartName(weight, GIdx), GIdx, SafeTensorsDType.I32, [k], "[K]"),
            ]
            :
            [
                new(PartName(weight, QWeight), QWeight, SafeTensorsDType.I32, [k, n / per], $"[K, N / {per}]"),
                new(PartName(weight, QZeros), QZeros, SafeTensorsDType.I32, [groups, n / per], $"[{g}, N / {per}]"),
                new(PartName(weight, Scales), Scales, SafeTensorsDType.F16, [groups, n], $"[{g}, N]"),
            ];
        return (parts, unfit);
    }

    /// <summary>W [n, k] row-major (PyTorch Linear layout) from the parts, by the formulas above, in float32:
    /// (q - z) is an exact small integer, so each value is one rounding of scale * (q - z). A GPTQ g_idx must name
    /// groups that exist (the caller checks, naming the tensor).</summary>
    public static void Dequantize(PackedQuantization q, int n, int k, ReadOnlySpan<int> qweight, ReadOnlySpan<int> qzeros,
        ReadOnlySpan<float> scales, ReadOnlySpan<int> gIdx, Span<float> w)
    {
        int per = q.PerWord, bits = q.Bits, mask = (1 << bits) - 1, zeroWords = n / per;
        if (q.Method == PackedMethod.Gptq)
        {
            for (int c = 0; c < k; c++)
            {
                int g = gIdx[c], shift = c % per * bits;
                var words = qweight.Slice(c / per * n, n);
                var zeros = qzeros.Slice(g * zeroWords, zeroWords);
                var s = scales.Slice(g * n, n);
                for (int r = 0; r < n; r++)
                {
                    int value = (words[r] >>> shift) & mask;
                    int zero = ((zeros[r / per] >>> (r % per * bits)) & mask) + 1;
                    w[(int)((long)r * k + c)] = s[r] * (value - zero);
                }
            }
            return;
        }
        int group = q.GroupSize == -1 ? k : q.GroupSize;
        for (int c = 0; c < k; c++)
        {
            int g = c / group;
            var words = qweight.Slice(c * zeroWords, zeroWords);
            var zeros = qzeros.Slice(g * zeroWords, zeroWords);
            var s = scales.Slice(g * n, n);
            for (int word = 0; word < zeroWords; word++)
                for (int i = 0; i < 8; i++)
                {
                    int r = 8 * word + AwqOrder[i];
                    int value = (words[word] >>> (4 * i)) & 15, zero = (zeros[word] >>> (4 * i)) & 15;
                    w[(int)((long)r * k + c)] = (value - zero) * s[r];
                }
        }
    }

    /// <summary>The group of each block of 32 input columns when every block lies in one group (so a block's scale and
    /// zero are its group's, and the weight maps exactly onto q4_z / q8_z); null when one does not: act-order (g_idx
    /// not k / group_size), a group size that is not a multiple of 32, or K not a multiple of 32.</summary>
    public static int[]? BlockGroups(int k, ReadOnlySpan<int> groupOfColumn)
    {
        const int block = 32;
        if (k % block != 0) return null;
        var groups = new int[k / block];
        for (int b = 0; b < groups.Length; b++)
        {
            groups[b] = groupOfColumn[b * block];
            for (int c = b * block + 1; c < (b + 1) * block; c++)
                if (groupOfColumn[c] != groups[b]) return null;
        }
        return groups;
    }

    /// <summary>How a packed projection maps onto blocks of 32: each block's group, and the order its columns are stored
    /// in (null: the checkpoint's). Act-order GPTQ (g_idx not k / group_size) is sorted by group (stably), so that each
    /// block lies in one group; the product then reads its input in the same order (a gather before it).</summary>
    public sealed record BlockLayout(int[] BlockGroups, int[]? ColumnOrder);

    /// <summary>The block layout of a projection whose columns fall in <paramref name="groupOfColumn"/>, or null when
    /// even sorted by group some block of 32 would straddle two groups (group sizes that are not multiples of 32).</summary>
    public static BlockLayout? Layout(int k, int[] groupOfColumn)
    {
        if (BlockGroups(k, groupOfColumn) is { } asStored) return new(asStored, null);
        var order = Enumerable.Range(0, k).OrderBy(c => groupOfColumn[c]).ToArray();  // OrderBy is stable
        var sorted = order.Select(c => groupOfColumn[c]).ToArray();
        return BlockGroups(k, sorted) is { } blocks ? new(blocks, order) : null;
    }

    /// <summary>Each input column's group: g_idx for GPTQ, k / group_size for AWQ.</summary>
    public static int[] ColumnGroups(PackedQuantization q, int k, int[]? gIdx) =>
        q.Method == PackedMethod.Gptq ? gIdx! : Enumerable.Range(0, k).Select(c => q.GroupSize == -1 ? 0 : c / q.GroupSize).ToArray();
}

/// <summary>A packed projection [N, K] whose groups are whole blocks of 32 (<see cref="PackedWeight.BlockGroups"/>), read
/// row by row as unsigned quants, a scale and an integer zero per block: exactly the weight the formulas give, with no
/// rounding (fp16 holds every zero, at most 256, exactly).</summary>
/// <param name="columnOrder">Stored column c is checkpoint column columnOrder[c] (act-order GPTQ, sorted by group); null:
/// as in the checkpoint.</param>
public sealed class PackedBlocks(PackedQuantization q, int n, int k, int[] qweight, int[] qzeros, float[] scales, int[] blockGroups, int[]? columnOrder)
{
    static readonly int[] AwqColumnNibble = [0, 4, 1, 5, 2, 6, 3, 7];  // inverse of AWQ's order (0, 2, 4, 6, 1, 3, 5, 7)

    public void Row(int row, Span<byte> quants, Span<Half> blockScales, Span<Half> blockZeros)
    {
        int per = q.PerWord, bits = q.Bits, mask = (1 << bits) - 1, words = n / per;
        bool gptq = q.Method == PackedMethod.Gptq;
        int zeroShift = gptq ? row % per * bits : 4 * AwqColumnNibble[row % 8];
        for (int stored = 0; stored < k; stored++)
        {
            int c = columnOrder is null ? stored : columnOrder[stored];
            quants[stored] = (byte)(gptq
                ? (qweight[c / per * n + row] >>> (c % per * bits)) & mask
                : (qweight[c * words + row / 8] >>> zeroShift) & 15);
        }
        for (int b = 0; b < blockGroups.Length; b++)
        {
            int g = blockGroups[b];
            blockScales[b] = (Half)scales[g * n + row];
            blockZeros[b] = (Half)(((qzeros[g * words + row / per] >>> zeroShift) & mask) + (gptq ? 1 : 0));
        }
    }
}
