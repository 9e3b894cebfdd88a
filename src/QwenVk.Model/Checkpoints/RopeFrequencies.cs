namespace QwenVk.Model.Checkpoints;

/// <summary>Rotary embedding parameters for one model: the inverse frequency of each rotated pair (pair i rotates
/// elements i and i + head_dim/2, NeoX / rotate_half layout) and the factor that multiplies both cos and sin.
/// The angle at position p is p * InverseFrequencies[i].</summary>
public sealed record RopeFrequencies(double[] InverseFrequencies, double AttentionFactor)
{
    /// <summary>Computes the frequencies the way transformers' rope initialisers define them, in double precision.
    /// <paramref name="contextLength"/> is the longest sequence that will be run; only "dynamic" uses it.</summary>
    /// <remarks>"dynamic" (NTK-aware) scaling: transformers recomputes the base as the sequence grows past the
    /// original maximum, so one sequence sees different frequencies over time. Here the frequencies are fixed for the
    /// whole run: up to the original maximum they are the default ones (identical to transformers); beyond it they
    /// are transformers' frequencies for a sequence of exactly <paramref name="contextLength"/> tokens, which then
    /// also apply to the earlier positions (transformers would have used the default ones for those).</remarks>
    public static RopeFrequencies For(QwenConfig config, int contextLength) =>
        Compute(config.HeadDim, config.RopeTheta, config.RopeScaling, config.MaxPositionEmbeddings, contextLength);

    public static RopeFrequencies Compute(int headDim, double theta, RopeScaling scaling, int maxPositions, int contextLength)
    {
        if (headDim <= 0 || headDim % 2 != 0) throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "must be positive and even");
        double factor = scaling.Factor ?? 1.0;
        switch (scaling.Kind)
        {
            case RopeScalingKind.None:
                return new(Default(headDim, theta), 1.0);
            case RopeScalingKind.Linear:
                return new(Array.ConvertAll(Default(headDim, theta), f => f / factor), 1.0);
            case RopeScalingKind.Dynamic:
            {
                int original = scaling.OriginalMaxPositionEmbeddings ?? maxPositions;
                if (contextLength <= original) return new(Default(headDim, theta), 1.0);
                double grown = theta * Math.Pow(factor * contextLength / original - (factor - 1), headDim / (headDim - 2.0));
                return new(Default(headDim, grown), 1.0);
            }
            case RopeScalingKind.Yarn:
                return Yarn(headDim, theta, scaling, maxPositions);
            default:
                throw new ArgumentOutOfRangeException(nameof(scaling), scaling.Kind, "unknown rope scaling kind");
        }
    }

    static double[] Default(int headDim, double theta)
    {
        var inv = new double[headDim / 2];
        for (int i = 0; i < inv.Length; i++) inv[i] = 1.0 / Math.Pow(theta, 2.0 * i / headDim);
        return inv;
    }

    // YaRN: pairs that turn many times within the original context keep their frequency (extrapolation), pairs that
    // turn less than once are interpolated (divided by the factor), with a linear blend between; cos and sin are
    // scaled by the attention factor (0.1 ln(factor) + 1 unless given).
    static RopeFrequencies Yarn(int headDim, double theta, RopeScaling s, int maxPositions)
    {
        double factor = s.Factor ?? 1.0;
        int original = s.OriginalMaxPositionEmbeddings ?? maxPositions;
        double attention = s.AttentionFactor ?? (s.Mscale is { } m && m != 0 && s.MscaleAllDim is { } mAll && mAll != 0
            ? Mscale(factor, m) / Mscale(factor, mAll)
            : Mscale(factor, 1.0));
        double betaFast = s.BetaFast is { } bf && bf != 0 ? bf : 32;
        double betaSlow = s.BetaSlow is { } bs && bs != 0 ? bs : 1;

        double low = CorrectionDim(betaFast, headDim, theta, original);
        double high = CorrectionDim(betaSlow, headDim, theta, original);
        if (s.Truncate)
        {
            low = Math.Floor(low);
            high = Math.Ceiling(high);
        }
        low = Math.Max(low, 0);
        high = Math.Min(high, headDim - 1);
        if (low == high) high += 0.001;

        var extrapolated = Default(headDim, theta);
        var inv = new double[headDim / 2];
        for (int i = 0; i < inv.Length; i++)
        {
            double ramp = Math.Clamp((i - low) / (high - low), 0.0, 1.0);
            double interpolated = extrapolated[i] / factor;
            inv[i] = interpolated * ramp + extrapolated[i] * (1 - ramp);
        }
        return new(inv, attention);
    }

    /// <summary>The (fractional) pair dimension whose wavelength fits <paramref name="rotations"/> times into the
    /// original context.</summary>
    static double CorrectionDim(double rotations, int dim, double theta, int original) =>
        dim * Math.Log(original / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));

    static double Mscale(double scale, double mscale) => scale <= 1 ? 1.0 : 0.1 * mscale * Math.Log(scale) + 1.0;
}
