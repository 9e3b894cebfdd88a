namespace QwenVk.Runtime.Kernels;

/// <summary>
/// Host-built cos/sin tables for <see cref="RopeKernel"/>: f32 [positions, headDim / 2, 2] holding
/// (cos(angle), sin(angle)) * magnitude with angle = p * invFreq[i].
/// Why tables instead of computing the angle on the GPU: p * f in fp32 at p = 30000 is off by ~1e-3 radians, which
/// alone fails a 1e-7 NMSE against a double reference. Computing the angle in double here makes the kernel exact to
/// fp32 rounding, and any per-dimension frequency scaling (linear, YaRN, with its attention magnitude) is simply a
/// different <c>inverseFrequencies</c> / <c>magnitude</c> chosen by the model.
/// </summary>
public static class RopeTable
{
    /// <summary>The standard RoPE frequencies theta^(-2i/headDim) for i in [0, headDim/2).</summary>
    public static double[] InverseFrequencies(int headDim, double theta)
    {
        if (headDim <= 0 || headDim % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "RoPE needs a positive, even head dimension.");
        if (!(theta > 1) || !double.IsFinite(theta))
            throw new ArgumentOutOfRangeException(nameof(theta), theta, "RoPE theta (rope_theta) must be a finite number > 1.");
        var f = new double[headDim / 2];
        for (int i = 0; i < f.Length; i++) f[i] = Math.Pow(theta, -2.0 * i / headDim);
        return f;
    }

    /// <summary>The table for positions [0, <paramref name="positions"/>), laid out [p, i, (cos, sin)].</summary>
    public static float[] Build(int positions, IReadOnlyList<double> inverseFrequencies, double magnitude = 1.0)
    {
        if (positions <= 0)
            throw new ArgumentOutOfRangeException(nameof(positions), positions, "RoPE table needs at least one position.");
        if (inverseFrequencies.Count == 0)
            throw new ArgumentException("RoPE table needs at least one frequency.", nameof(inverseFrequencies));
        int half = inverseFrequencies.Count;
        var table = new float[checked((long)positions * half * 2)];
        for (int p = 0; p < positions; p++)
            for (int i = 0; i < half; i++)
            {
                double angle = p * inverseFrequencies[i];
                long at = ((long)p * half + i) * 2;
                table[at] = (float)(Math.Cos(angle) * magnitude);
                table[at + 1] = (float)(Math.Sin(angle) * magnitude);
            }
        return table;
    }
}
