using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Vulkan;
using static QwenVk.Reference.KernelChecks.CheckData;

namespace QwenVk.Reference.KernelChecks;

/// <summary>The reference and the case runners shared by <see cref="MatVecCheck"/> and <see cref="MatMulCheck"/>:
/// both compute y[n, col + m] = sum_k x[n, k] * W[m, k] (+ bias[m]) and leave the other columns of y alone.</summary>
public static class LinearCheck
{
    /// <summary>Plain double-precision y[n, m] for rows [firstRow, firstRow + rows) of W (fp16 and float values are
    /// exact in double; quantized weights come as the float values they stand for).</summary>
    public static double[] Reference<T>(float[] x, int n, int k, ReadOnlySpan<T> w, Half[]? bias, int rows) where T : unmanaged, System.Numerics.INumberBase<T>
    {
        var y = new double[(long)n * rows];
        var xd = ToDouble(x);
        var wrow = new double[k];
        for (int m = 0; m < rows; m++)
        {
            for (int i = 0; i < k; i++) wrow[i] = double.CreateTruncating(w[m * k + i]);
            for (int r = 0; r < n; r++)
            {
                double acc = bias is null ? 0 : (double)bias[m];
                var xr = xd.AsSpan(r * k, k);
                for (int i = 0; i < k; i++) acc += xr[i] * wrow[i];
                y[(long)r * rows + m] = acc;
            }
        }
        return y;
    }

    /// <summary>Random x [N, K], W [M, K] (and bias) into columns [col, col + M) of a poisoned y [N, totalCols].</summary>
    public static KernelCheck Case(string kernel, Func<bool, int, Kernel> make, int n, int m, int k, bool bias,
        int col = 0, int totalCols = 0, string variant = "", double tolerance = 5e-4, DType weights = DType.F16)
    {
        if (totalCols == 0) totalCols = col + m;
        string name = $"N={n} M={m} K={k}{Format(weights)}{(bias ? " bias" : "")}{(col != 0 || totalCols != m ? $" col={col}/{totalCols}" : "")}{(variant != "" ? " " + variant : "")}";
        return new KernelCheck(kernel, name, tolerance, (ctx, rng) =>
        {
            var x = Floats(rng, (long)n * k);
            var w = Weights(rng, weights, m, k);
            var b = bias ? Halfs(rng, m).Half : null;
            var expected = Reference(x, n, k, w.Values, b, m);
            var tx = Input(ctx, TensorType.Of(DType.F32, n, k), x, "x");
            var tw = Input(ctx, w.Type, w.Bytes, "W");
            var tb = b is null ? null : Input(ctx, TensorType.Of(DType.F16, m), b, "bias");
            var ty = Output(ctx, TensorType.Of(DType.F32, n, totalCols), "y");
            KernelRunner.Run(ctx, make(bias, col), tb is null ? [tx, tw] : [tx, tw, tb], [ty]);
            var got = ReadF32(ty);
            Free(tb is null ? [tx, tw, ty] : [tx, tw, tb, ty]);
            return Poisoned.Nmse(got, Widen(expected, n, m, col, totalCols), i => i % totalCols >= col && i % totalCols < col + m);
        });
    }

    /// <summary>y = x W^T + r for a random residual r [N, M] (the matvec that absorbed the residual add), into a
    /// poisoned y.</summary>
    public static KernelCheck ResidualCase(string kernel, Func<Kernel> make, int n, int m, int k, string variant = "", double tolerance = 5e-4,
        DType weights = DType.F16)
    {
        string name = $"N={n} M={m} K={k}{Format(weights)} residual{(variant != "" ? " " + variant : "")}";
        return new KernelCheck(kernel, name, tolerance, (ctx, rng) =>
        {
            var x = Floats(rng, (long)n * k);
            var w = Weights(rng, weights, m, k);
            var r = Floats(rng, (long)n * m);
            var expected = Reference(x, n, k, w.Values, null, m);
            for (int i = 0; i < expected.Length; i++) expected[i] += r[i];
            var tx = Input(ctx, TensorType.Of(DType.F32, n, k), x, "x");
            var tw = Input(ctx, w.Type, w.Bytes, "W");
            var tr = Input(ctx, TensorType.Of(DType.F32, n, m), r, "residual");
            var ty = Output(ctx, TensorType.Of(DType.F32, n, m), "y");
            KernelRunner.Run(ctx, make(), [tx, tw, tr], [ty]);
            var got = ReadF32(ty);
            Free(tx, tw, tr, ty);
            return Nmse(got, expected);
        });
    }

    /// <summary>A weight W [M, K] too large for one binding, held as RowSplit chunks in separate device tensors (as a
    /// model stores lm_head) and applied with one dispatch per chunk into one y [N, M]. The split uses at most
    /// <paramref name="maxBytes"/> per chunk (lavapipe's 128 MiB limit by default, also where the device's is larger).</summary>
    public static KernelCheck SplitCase(string kernel, Func<bool, int, Kernel> make, int n, int m, int k, bool bias,
        ulong maxBytes = 128 << 20, double tolerance = 5e-4, DType weights = DType.F16)
    {
        string name = $"N={n} M={m} K={k}{Format(weights)}{(bias ? " bias" : "")} split {maxBytes >> 10} KiB";
        return new KernelCheck(kernel, name, tolerance, (ctx, rng) =>
        {
            var chunks = RowSplit.Split(weights, m, k, Math.Min(maxBytes, ctx.Capabilities.MaxStorageBufferRange));
            if (chunks.Count < 2) throw new InvalidOperationException($"{name}: expected the weight to need several chunks, got {chunks.Count}");
            var x = Floats(rng, (long)n * k);
            var tx = Input(ctx, TensorType.Of(DType.F32, n, k), x, "x");
            var ty = Output(ctx, TensorType.Of(DType.F32, n, m), "y");
            var expected = new double[(long)n * m];
            foreach (var c in chunks)
            {
                // One chunk's weights at a time: the whole matrix in double would be 1 GB for a vocabulary.
                var b = bias ? RandomHalfs(rng, c.RowCount) : null;
                DeviceTensor tw;
                double[] part;
                if (weights == DType.F16)
                {
                    var w = RandomHalfs(rng, (long)c.RowCount * k);
                    part = Reference(x, n, k, w, b, c.RowCount);
                    tw = Input(ctx, TensorType.Of(DType.F16, c.RowCount, k), w, $"W[{c.FirstRow}..]");
                }
                else
                {
                    var w = Weights(rng, weights, c.RowCount, k);
                    part = Reference(x, n, k, w.Values, b, c.RowCount);
                    tw = Input(ctx, w.Type, w.Bytes, $"W[{c.FirstRow}..]");
                }
                for (int r = 0; r < n; r++)
                    Array.Copy(part, (long)r * c.RowCount, expected, (long)r * m + c.FirstRow, c.RowCount);
                var tb = b is null ? null : Input(ctx, TensorType.Of(DType.F16, c.RowCount), b, $"bias[{c.FirstRow}..]");
                KernelRunner.Run(ctx, make(bias, c.FirstRow), tb is null ? [tx, tw] : [tx, tw, tb], [ty]);
                Free(tb is null ? [tw] : [tw, tb]);
            }
            var got = ReadF32(ty);
            Free(tx, ty);
            return Nmse(got, expected);
        });
    }

    /// <summary>" q8_0" / " q4_0" in a case name; nothing for fp16.</summary>
    public static string Format(DType weights) => weights == DType.F16 ? "" : " " + weights.ToString().ToLowerInvariant();

    /// <summary>Uniform fp16 values in [-1, 1) without <see cref="CheckData.Halfs"/>' double copy (a vocabulary
    /// chunk would need 0.5 GB of it).</summary>
    internal static Half[] RandomHalfs(Random rng, long n)
    {
        var h = new Half[n];
        for (long i = 0; i < n; i++) h[i] = (Half)(rng.NextSingle() * 2 - 1);
        return h;
    }

    /// <summary>Places y [N, M] at columns [col, col + M) of an [N, totalCols] array (other entries unused).</summary>
    static double[] Widen(double[] y, int n, int m, int col, int totalCols)
    {
        var wide = new double[(long)n * totalCols];
        for (int r = 0; r < n; r++) Array.Copy(y, (long)r * m, wide, (long)r * totalCols + col, m);
        return wide;
    }
}
