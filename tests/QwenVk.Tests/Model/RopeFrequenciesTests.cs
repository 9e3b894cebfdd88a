using QwenVk.Model.Checkpoints;

namespace QwenVk.Tests.Model;

/// <summary>The RoPE frequencies against the defining formulas, written here per element.</summary>
public sealed class RopeFrequenciesTests
{
    const int D = 128;
    const double Theta = 1e6;

    static double Plain(int i, double theta = Theta) => Math.Exp(-(2.0 * i / D) * Math.Log(theta));

    static void Close(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-13 * Math.Abs(expected), $"{actual:R} != {expected:R}");

    [Fact]
    public void DefaultIsThetaToTheMinusTwoIOverD()
    {
        var r = RopeFrequencies.Compute(D, Theta, RopeScaling.None, 32768, 4096);
        Assert.Equal(D / 2, r.InverseFrequencies.Length);
        for (int i = 0; i < D / 2; i++) Close(Plain(i), r.InverseFrequencies[i]);
        Assert.Equal(1.0, r.AttentionFactor);
    }

    [Fact]
    public void LinearDividesEveryFrequencyByTheFactor()
    {
        var r = RopeFrequencies.Compute(D, Theta, new RopeScaling { Kind = RopeScalingKind.Linear, Factor = 4 }, 32768, 4096);
        for (int i = 0; i < D / 2; i++) Close(Plain(i) / 4, r.InverseFrequencies[i]);
        Assert.Equal(1.0, r.AttentionFactor);
    }

    [Fact]
    public void DynamicIsDefaultWithinTheOriginalContextAndGrowsTheBaseBeyondIt()
    {
        var s = new RopeScaling { Kind = RopeScalingKind.Dynamic, Factor = 2 };
        var inside = RopeFrequencies.Compute(D, Theta, s, 32768, 32768);
        for (int i = 0; i < D / 2; i++) Close(Plain(i), inside.InverseFrequencies[i]);

        var beyond = RopeFrequencies.Compute(D, Theta, s, 32768, 65536);
        double grownBase = Theta * Math.Pow(2.0 * 65536 / 32768 - 1, D / (D - 2.0));
        for (int i = 0; i < D / 2; i++) Close(Plain(i, grownBase), beyond.InverseFrequencies[i]);
    }

    [Fact]
    public void YarnKeepsFastPairsInterpolatesSlowPairsAndScalesAttention()
    {
        const double factor = 4;
        const int original = 32768;
        var r = RopeFrequencies.Compute(D, Theta, new RopeScaling { Kind = RopeScalingKind.Yarn, Factor = factor, OriginalMaxPositionEmbeddings = original }, 131072, 131072);

        // Pair i turns original * inv_freq / (2 pi) times over the original context: more than beta_fast = 32
        // turns -> unchanged, fewer than beta_slow = 1 -> divided by the factor (boundaries rounded outwards).
        double Dim(double turns) => D * Math.Log(original / (turns * 2 * Math.PI)) / (2 * Math.Log(Theta));
        int low = (int)Math.Floor(Dim(32)), high = (int)Math.Ceiling(Dim(1));
        Assert.InRange(low, 1, high - 2);
        for (int i = 0; i <= low; i++) Close(Plain(i), r.InverseFrequencies[i]);
        for (int i = high; i < D / 2; i++) Close(Plain(i) / factor, r.InverseFrequencies[i]);
        int mid = (low + high) / 2;
        double ramp = (double)(mid - low) / (high - low);
        Close(Plain(mid) * (1 - ramp) + Plain(mid) / factor * ramp, r.InverseFrequencies[mid]);
        Close(0.1 * Math.Log(factor) + 1, r.AttentionFactor);
    }

    [Fact]
    public void YarnAttentionFactorOverridesAndMscaleRatio()
    {
        var given = RopeFrequencies.Compute(D, Theta, new RopeScaling { Kind = RopeScalingKind.Yarn, Factor = 4, AttentionFactor = 1.5 }, 32768, 1);
        Assert.Equal(1.5, given.AttentionFactor);
        var ratio = RopeFrequencies.Compute(D, Theta, new RopeScaling { Kind = RopeScalingKind.Yarn, Factor = 4, Mscale = 2, MscaleAllDim = 1 }, 32768, 1);
        Close((0.2 * Math.Log(4) + 1) / (0.1 * Math.Log(4) + 1), ratio.AttentionFactor);
    }

    [Fact]
    public void ForUsesTheConfigHeadDim()
    {
        var c = QwenConfig.Load(Path.Combine(RepoPaths.ReferenceModel("qwen3-tiny"), "config.json"));
        var r = RopeFrequencies.For(c, 128);
        Assert.Equal(12, r.InverseFrequencies.Length);
        Close(Math.Exp(-(2.0 * 11 / 24) * Math.Log(1e6)), r.InverseFrequencies[11]);
    }
}
