using QwenVk.Model.Sampling;

namespace QwenVk.Tests.Sampling;

/// <summary>Statistical checks on a fixed logit row: the expected distributions are computed here from the
/// definitions (softmax, top-k, nucleus, min-p), independently of the sampler's code.</summary>
public sealed class SamplerTests
{
    static readonly float[] Logits = [2.0f, 1.6f, 1.1f, 0.9f, 0.3f, 0.0f, -0.4f, -1.0f, -1.7f, -2.5f];
    const int Draws = 20_000;

    [Theory]
    [InlineData(0f)]
    [InlineData(0.7f)]
    public void NaNLogits_AreRefusedNotSampled(float temperature)
    {
        // Greedy decoding of all-NaN logits returned an arbitrary id instead of saying the model is broken.
        var sampler = new Sampler(new SamplingOptions { Temperature = temperature, TopP = 0.8f, TopK = 20 });
        float[] row = Enumerable.Repeat(float.NaN, 50).ToArray();
        Assert.Contains("NaN", Assert.Throws<InvalidOperationException>(() => sampler.Sample(row)).Message);
        row = [.. Logits];
        row[3] = float.NaN;
        Assert.Contains("NaN", Assert.Throws<InvalidOperationException>(() => sampler.Sample(row)).Message);
    }

    [Fact]
    public void TemperatureZero_IsArgMax_FirstOnTies()
    {
        var random = new Random(1);
        var sampler = new Sampler(SamplingOptions.Greedy);
        for (int trial = 0; trial < 200; trial++)
        {
            float[] row = Enumerable.Range(0, 50).Select(_ => (float)random.NextDouble() * 10 - 5).ToArray();
            int expected = Array.IndexOf(row, row.Max());
            Assert.Equal(expected, sampler.Sample(row));
        }
        Assert.Equal(1, sampler.Sample([0f, 3f, 3f, -1f]));
    }

    [Fact]
    public void SameSeed_SameSequence_DifferentSeed_DifferentSequence()
    {
        int[] Run(ulong seed)
        {
            var sampler = new Sampler(new SamplingOptions { Temperature = 1f, Seed = seed });
            return Enumerable.Range(0, 500).Select(_ => sampler.Sample(Logits)).ToArray();
        }
        Assert.Equal(Run(42), Run(42));
        Assert.NotEqual(Run(42), Run(43));
        var unseeded = new Sampler(new SamplingOptions());
        Assert.Equal(Run(unseeded.Seed), Enumerable.Range(0, 500).Select(_ => unseeded.Sample(Logits)).ToArray());
    }

    [Theory]
    [InlineData(1.0f)]
    [InlineData(0.6f)]
    [InlineData(1.8f)]
    public void Frequencies_FollowSoftmaxOfLogitsOverTemperature(float temperature)
    {
        double[] expected = Softmax(Logits, temperature);
        int[] counts = Histogram(new SamplingOptions { Temperature = temperature, Seed = 7 });
        AssertChiSquare(counts, expected);
    }

    [Fact]
    public void TopK_NeverSamplesOutsideTheKBest_AndKeepsTheirRelativeOdds()
    {
        const int k = 3;
        int[] best = Enumerable.Range(0, Logits.Length).OrderByDescending(i => Logits[i]).Take(k).ToArray();
        int[] counts = Histogram(new SamplingOptions { Temperature = 1f, TopK = k, Seed = 11 });
        AssertChiSquare(counts, Restrict(Softmax(Logits, 1f), best));
    }

    [Fact]
    public void TopP_NeverSamplesOutsideTheNucleus()
    {
        const double topP = 0.8;
        double[] p = Softmax(Logits, 1f);
        // Nucleus by definition: most probable first, until the mass reaches topP.
        var nucleus = new List<int>();
        double mass = 0;
        foreach (int i in Enumerable.Range(0, p.Length).OrderByDescending(i => p[i]))
        {
            if (mass >= topP)
                break;
            nucleus.Add(i);
            mass += p[i];
        }
        Assert.InRange(nucleus.Count, 3, p.Length - 2); // the fixture makes the cut meaningful
        int[] counts = Histogram(new SamplingOptions { Temperature = 1f, TopP = (float)topP, Seed = 13 });
        AssertChiSquare(counts, Restrict(p, nucleus));
    }

    [Fact]
    public void MinP_NeverSamplesBelowTheThreshold()
    {
        const double minP = 0.2;
        double[] p = Softmax(Logits, 1f);
        int[] allowed = Enumerable.Range(0, p.Length).Where(i => p[i] >= minP * p.Max()).ToArray();
        Assert.InRange(allowed.Length, 2, p.Length - 2);
        int[] counts = Histogram(new SamplingOptions { Temperature = 1f, MinP = (float)minP, Seed = 17 });
        AssertChiSquare(counts, Restrict(p, allowed));
    }

    [Fact]
    public void NegativeInfinity_IsNeverSampled()
    {
        float[] row = [.. Logits];
        row[0] = float.NegativeInfinity;
        row[3] = float.NegativeInfinity;
        var sampler = new Sampler(new SamplingOptions { Temperature = 1.5f, Seed = 3 });
        for (int i = 0; i < Draws; i++)
        {
            int id = sampler.Sample(row);
            Assert.True(id != 0 && id != 3, $"masked token {id} was sampled");
        }
    }

    [Fact]
    public void RepetitionPenalty_DividesPositiveAndMultipliesNegativeLogitsOfSeenTokens()
    {
        var history = new TokenHistory();
        history.AddPrompt([0, 7]); // prompt tokens count for the repetition penalty (Hugging Face)
        history.AddGenerated(1);
        var options = new SamplingOptions { Temperature = 1f, RepetitionPenalty = 1.5f };
        float[] expected = [.. Logits];
        expected[0] = Logits[0] / 1.5f;
        expected[1] = Logits[1] / 1.5f;
        expected[7] = Logits[7] * 1.5f;
        AssertClose(Softmax(expected, 1f), new Sampler(options).Probabilities(Logits, history));
    }

    [Fact]
    public void PresenceAndFrequencyPenalties_FollowOpenAi_AndIgnoreThePrompt()
    {
        var history = new TokenHistory();
        history.AddPrompt([4]);
        foreach (int id in new[] { 2, 2, 2, 5 })
            history.AddGenerated(id);
        var options = new SamplingOptions { Temperature = 1f, PresencePenalty = 0.5f, FrequencyPenalty = 0.25f };
        float[] expected = [.. Logits];
        expected[2] -= 3 * 0.25f + 0.5f;
        expected[5] -= 1 * 0.25f + 0.5f;
        AssertClose(Softmax(expected, 1f), new Sampler(options).Probabilities(Logits, history));
    }

    [Fact]
    public void Penalties_ApplyToGreedyToo()
    {
        var history = new TokenHistory();
        history.AddGenerated(0);
        var sampler = new Sampler(SamplingOptions.Greedy with { RepetitionPenalty = 2f });
        Assert.Equal(1, sampler.Sample(Logits, history)); // 2.0 / 2 = 1.0 < 1.6
    }

    [Fact]
    public void TopP_OnAFullVocabularyRow_KeepsExactlyTheNucleus()
    {
        // 151,936 logits take the sampler's prefiltered path; compare with a full sort done here.
        var random = new Random(5);
        float[] row = Enumerable.Range(0, 151_936).Select(_ => (float)(Gaussian(random) * 2.5)).ToArray();
        const double topP = 0.9;
        double[] p = Softmax(row, 0.8f);
        var nucleus = new HashSet<int>();
        double mass = 0;
        foreach (int i in Enumerable.Range(0, p.Length).OrderByDescending(i => p[i]))
        {
            if (mass >= topP)
                break;
            nucleus.Add(i);
            mass += p[i];
        }
        double[] actual = new Sampler(new SamplingOptions { Temperature = 0.8f, TopP = (float)topP }).Probabilities(row);
        var kept = Enumerable.Range(0, actual.Length).Where(i => actual[i] > 0).ToHashSet();
        Assert.True(nucleus.SetEquals(kept), $"nucleus {nucleus.Count} tokens, sampler kept {kept.Count}");
        Assert.Equal(1.0, actual.Sum(), 1e-9);
    }

    [Fact]
    public void BadRows_AndBadOptions_FailClearly()
    {
        var sampler = new Sampler();
        Assert.Contains("NaN", Assert.Throws<InvalidOperationException>(() => sampler.Sample([0f, float.NaN])).Message);
        Assert.Throws<InvalidOperationException>(() => sampler.Sample([float.NegativeInfinity, float.NegativeInfinity]));
        Assert.Throws<ArgumentException>(() => sampler.Sample([]));
        Assert.Equal("TopP", Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplingOptions { TopP = 0f })).ParamName);
        Assert.Equal("Temperature", Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplingOptions { Temperature = -1f })).ParamName);
        Assert.Equal("RepetitionPenalty", Assert.Throws<ArgumentOutOfRangeException>(() => new Sampler(new SamplingOptions { RepetitionPenalty = 0f })).ParamName);
    }

    static int[] Histogram(SamplingOptions options)
    {
        var sampler = new Sampler(options);
        var counts = new int[Logits.Length];
        for (int i = 0; i < Draws; i++)
            counts[sampler.Sample(Logits)]++;
        return counts;
    }

    /// <summary>Zero draws where the expected probability is zero, and a chi-square statistic below the 0.1 %
    /// critical value elsewhere (fixed seeds, so the test is deterministic).</summary>
    static void AssertChiSquare(int[] counts, double[] expected)
    {
        double chi2 = 0;
        int categories = 0;
        for (int i = 0; i < counts.Length; i++)
        {
            if (expected[i] == 0)
            {
                Assert.True(counts[i] == 0, $"token {i} is outside the allowed set but was drawn {counts[i]} times");
                continue;
            }
            double e = expected[i] * counts.Sum();
            chi2 += (counts[i] - e) * (counts[i] - e) / e;
            categories++;
        }
        double[] critical = [double.NaN, 10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32, 26.12, 27.88, 29.59];
        Assert.True(categories >= 2, "a distribution with one outcome says nothing");
        Assert.True(chi2 < critical[categories - 1], $"chi-square {chi2:F2} with {categories - 1} degrees of freedom: counts [{string.Join(", ", counts)}]");
    }

    static double[] Softmax(float[] logits, float temperature)
    {
        double max = logits.Where(float.IsFinite).Max();
        double[] e = logits.Select(l => float.IsNegativeInfinity(l) ? 0 : Math.Exp((l - max) / temperature)).ToArray();
        double sum = e.Sum();
        return e.Select(v => v / sum).ToArray();
    }

    static double[] Restrict(double[] p, IEnumerable<int> allowed)
    {
        var set = allowed.ToHashSet();
        double mass = set.Sum(i => p[i]);
        return p.Select((v, i) => set.Contains(i) ? v / mass : 0).ToArray();
    }

    static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-6, $"p[{i}]: expected {expected[i]}, got {actual[i]}");
    }

    static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
