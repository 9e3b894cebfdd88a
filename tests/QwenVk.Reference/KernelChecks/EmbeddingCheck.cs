using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Reference.KernelChecks;

/// <summary>Embedding gather against a plain copy: odd D (scalar path) and D % 8 == 0 (uvec4 path), a table chunk
/// that holds only some of the ids (the other rows must stay poisoned), and the full 151936 x 896 vocabulary split
/// into chunks with ids spread over the whole range, first and last rows and chunk edges included. An exact copy:
/// the error must be 0.</summary>
public static class EmbeddingCheck
{
    /// <summary>out[n, :] = table[ids[n] - rowOffset, :] for the ids in [rowOffset, rowOffset + rows); null rows elsewhere.</summary>
    public static double[]?[] Reference<T>(uint[] ids, ReadOnlySpan<T> table, int d, int rowOffset) where T : unmanaged, System.Numerics.INumberBase<T>
    {
        int rows = table.Length / d;
        var o = new double[]?[ids.Length];
        for (int n = 0; n < ids.Length; n++)
        {
            long r = (long)ids[n] - rowOffset;
            if (r < 0 || r >= rows) continue;
            o[n] = new double[d];
            for (int i = 0; i < d; i++) o[n]![i] = double.CreateTruncating(table[(int)(r * d + i)]);
        }
        return o;
    }

    public static IEnumerable<KernelCheck> Cases() =>
    [
        Case(n: 1, rows: 10, d: 896, rowOffset: 0, vocab: 10),
        Case(n: 17, rows: 100, d: 37, rowOffset: 0, vocab: 100),
        Case(n: 40, rows: 64, d: 72, rowOffset: 0, vocab: 64),
        Case(n: 50, rows: 100, d: 40, rowOffset: 50, vocab: 200),
        Case(n: 30, rows: 33, d: 13, rowOffset: 7, vocab: 60),
        VocabularyCase(n: 64, vocab: 151936, d: 896),
        Case(n: 17, rows: 100, d: 96, rowOffset: 0, vocab: 100, weights: DType.Q8_0),
        Case(n: 30, rows: 37, d: 64, rowOffset: 7, vocab: 60, weights: DType.Q8_0),
        Case(n: 17, rows: 100, d: 96, rowOffset: 0, vocab: 100, weights: DType.Q4_0),
        Case(n: 30, rows: 37, d: 64, rowOffset: 7, vocab: 60, weights: DType.Q4_0),
        Case(n: 17, rows: 100, d: 96, rowOffset: 0, vocab: 100, weights: DType.Q4_Z),
        Case(n: 30, rows: 37, d: 64, rowOffset: 7, vocab: 60, weights: DType.Q8_Z),
    ];

    /// <summary>One table chunk [rows, d] holding ids [rowOffset, rowOffset + rows) of a vocabulary; ids are drawn
    /// from the whole vocabulary, so some rows of out must stay untouched.</summary>
    static KernelCheck Case(int n, int rows, int d, int rowOffset, int vocab, DType weights = DType.F16) =>
        new("embedding", $"N={n} table={rows}x{d}{LinearCheck.Format(weights)}{(rowOffset != 0 || rows != vocab ? $" rows {rowOffset}.. of {vocab}" : "")}", 1e-7, (ctx, rng) =>
        {
            var ids = new uint[n];
            for (int i = 0; i < n; i++) ids[i] = (uint)rng.Next(vocab);
            ids[0] = (uint)rowOffset;                                 // first row of the chunk
            if (n > 1) ids[^1] = (uint)(rowOffset + rows - 1);        // last row of the chunk
            if (n > 2 && rowOffset + rows < vocab) ids[1] = (uint)(rowOffset + rows);   // just past it: untouched
            if (n > 3 && rowOffset > 0) ids[2] = (uint)(rowOffset - 1);                 // just before it: untouched
            var table = Weights(rng, weights, rows, d);
            var expected = Reference(ids, table.Values, d, rowOffset);
            var tIds = Input(ctx, TensorType.Of(DType.U32, n), ids, "ids");
            var tTable = Input(ctx, table.Type, table.Bytes, "table");
            var tOut = Output(ctx, TensorType.Of(DType.F32, n, d), "out");
            KernelRunner.Run(ctx, new EmbeddingKernel(rowOffset), [tIds, tTable], [tOut]);
            var got = ReadF32(tOut);
            Free(tIds, tTable, tOut);
            return Poisoned.Nmse(got, Flatten(expected, d), i => expected[i / d] is not null);
        });

    /// <summary>The whole vocabulary table split with <see cref="RowSplit"/> (at most 128 MiB a chunk, lavapipe's
    /// binding limit), one device tensor and one dispatch per chunk, all into one out.</summary>
    static KernelCheck VocabularyCase(int n, int vocab, int d) =>
        new("embedding", $"N={n} vocabulary {vocab}x{d} split", 1e-7, (ctx, rng) =>
        {
            var chunks = RowSplit.Split(vocab, 2L * d, Math.Min(128UL << 20, ctx.Capabilities.MaxStorageBufferRange));
            if (chunks.Count < 2) throw new InvalidOperationException($"expected the {vocab}x{d} table to need several chunks, got {chunks.Count}");
            var ids = new uint[n];
            for (int i = 0; i < n; i++) ids[i] = (uint)rng.Next(vocab);
            // Edges: first and last row of the vocabulary and of every chunk.
            var edges = chunks.SelectMany(c => new[] { c.FirstRow, c.FirstRow + c.RowCount - 1 }).ToArray();
            for (int i = 0; i < edges.Length && i < n; i++) ids[(i * 7) % n] = (uint)edges[i];
            var tIds = Input(ctx, TensorType.Of(DType.U32, n), ids, "ids");
            var tOut = Output(ctx, TensorType.Of(DType.F32, n, d), "out");
            var expected = new double[]?[n];
            foreach (var c in chunks)
            {
                var table = LinearCheck.RandomHalfs(rng, (long)c.RowCount * d);
                var part = Reference(ids, table, d, c.FirstRow);
                for (int i = 0; i < n; i++) expected[i] ??= part[i];
                var tTable = Input(ctx, TensorType.Of(DType.F16, c.RowCount, d), table, $"table[{c.FirstRow}..]");
                KernelRunner.Run(ctx, new EmbeddingKernel(c.FirstRow), [tIds, tTable], [tOut]);
                Free(tTable);
            }
            var got = ReadF32(tOut);
            Free(tIds, tOut);
            if (expected.Any(r => r is null)) throw new InvalidOperationException("the reference missed an id: the chunks do not cover the vocabulary");
            return Nmse(got, Flatten(expected, d));
        });

    static double[] Flatten(double[]?[] rows, int d)
    {
        var flat = new double[(long)rows.Length * d];
        for (int n = 0; n < rows.Length; n++) rows[n]?.CopyTo(flat, (long)n * d);
        return flat;
    }
}
