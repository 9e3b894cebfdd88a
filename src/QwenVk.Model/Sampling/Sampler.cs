namespace QwenVk.Model.Sampling;

/// <summary>
/// Picks the next token from one row of logits. Each sampler owns its random generator, so a seed reproduces a run
/// and parallel samplers do not disturb each other. Not thread-safe: one sampler per generation stream. The row
/// should cover the tokenizer's ids only (the model's embedding may have padding rows beyond them).
/// </summary>
public sealed class Sampler
{
    /// <summary>With no top-k, top-p sorts only tokens at least this probable when they already hold the nucleus
    /// (almost always): the same result as sorting the whole vocabulary, much cheaper.</summary>
    const double TopPPrefilter = 1e-7;

    readonly SamplerRandom _random;
    float[] _logits = [];
    int[] _ids = [];
    double[] _probs = [];
    double[] _sortKeys = [];

    public Sampler(SamplingOptions? options = null)
    {
        Options = options ?? new SamplingOptions();
        Options.Validate();
        Seed = Options.Seed ?? (ulong)Random.Shared.NextInt64();
        _random = new SamplerRandom(Seed);
    }

    public SamplingOptions Options { get; }

    /// <summary>The seed in use (the given one, or the one picked when none was given).</summary>
    public ulong Seed { get; }

    /// <summary>Chooses a token id. <paramref name="history"/> feeds the penalties (it is not changed; add the chosen
    /// id to it yourself).</summary>
    public int Sample(ReadOnlySpan<float> logits, TokenHistory? history = null)
    {
        int count = Filter(logits, history);
        if (count == 1)
            return _ids[0];
        double u = _random.NextDouble();
        double cumulative = 0;
        for (int i = 0; i < count; i++)
        {
            cumulative += _probs[i];
            if (u < cumulative)
                return _ids[i];
        }
        return _ids[count - 1]; // u within rounding of 1
    }

    /// <summary>The distribution <see cref="Sample"/> draws from, over the whole row (zeros for filtered tokens).</summary>
    public double[] Probabilities(ReadOnlySpan<float> logits, TokenHistory? history = null)
    {
        int count = Filter(logits, history);
        var result = new double[logits.Length];
        for (int i = 0; i < count; i++)
            result[_ids[i]] = _probs[i];
        return result;
    }

    /// <summary>Leaves the surviving candidates in _ids[..count] with normalized probabilities in _probs[..count].</summary>
    int Filter(ReadOnlySpan<float> row, TokenHistory? history)
    {
        int n = row.Length;
        if (n == 0)
            throw new ArgumentException("The logit row is empty.", nameof(row));
        // Greedy decoding skips the softmax that otherwise finds NaN; without this it would return an arbitrary id.
        foreach (float x in row)
            if (float.IsNaN(x))
                throw new InvalidOperationException("The logit row holds NaN: the model's weights or activations overflowed.");
        EnsureCapacity(n);
        Span<float> logits = _logits.AsSpan(0, n);
        row.CopyTo(logits);
        if (history is not null && Options.HasPenalties)
            LogitPenalties.Apply(logits, history, Options);

        int best = ArgMax(logits);
        if (Options.Temperature == 0f)
        {
            _ids[0] = best;
            _probs[0] = 1;
            return 1;
        }

        int count = 0;
        for (int i = 0; i < n; i++)
        {
            if (!float.IsNegativeInfinity(logits[i]))
                _ids[count++] = i;
        }
        if (Options.TopK > 0 && Options.TopK < count)
            count = KeepTopK(logits, count, Options.TopK);

        double invTemperature = 1.0 / Options.Temperature;
        double max = logits[best];
        for (int i = 0; i < count; i++)
            _probs[i] = Math.Exp((logits[_ids[i]] - max) * invTemperature);
        Normalize(count);

        if (Options.TopP < 1f)
            count = KeepNucleus(count, Options.TopP);
        if (Options.MinP > 0f)
            count = KeepAboveMinP(count, Options.MinP);
        Normalize(count);
        return count;
    }

    static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = -1;
        float bestValue = float.NegativeInfinity;
        for (int i = 0; i < logits.Length; i++)
        {
            float v = logits[i];
            if (float.IsNaN(v) || float.IsPositiveInfinity(v))
                throw new InvalidOperationException($"Logit {i} is {v}: the model produced a non-finite value, there is nothing to sample.");
            if (v > bestValue)
            {
                bestValue = v;
                best = i;
            }
        }
        return best >= 0 ? best : throw new InvalidOperationException("Every logit is -infinity: no token can be sampled.");
    }

    /// <summary>Keeps candidates whose logit is at least the k-th largest (ties kept, like Hugging Face).</summary>
    int KeepTopK(ReadOnlySpan<float> logits, int count, int k)
    {
        var smallestOfBest = new PriorityQueue<float, float>(k);
        for (int i = 0; i < count; i++)
        {
            float v = logits[_ids[i]];
            if (smallestOfBest.Count < k)
                smallestOfBest.Enqueue(v, v);
            else if (v > smallestOfBest.Peek())
                smallestOfBest.EnqueueDequeue(v, v);
        }
        float threshold = smallestOfBest.Peek();
        int kept = 0;
        for (int i = 0; i < count; i++)
        {
            if (logits[_ids[i]] >= threshold)
                _ids[kept++] = _ids[i];
        }
        return kept;
    }

    /// <summary>Sorts candidates by probability and keeps each while the mass of those before it is below topP.</summary>
    int KeepNucleus(int count, double topP)
    {
        int sorted = count;
        if (count > 4096)
        {
            int front = 0;
            double mass = 0;
            for (int i = 0; i < count; i++)
            {
                if (_probs[i] >= TopPPrefilter)
                {
                    mass += _probs[i];
                    (_ids[front], _ids[i]) = (_ids[i], _ids[front]);
                    (_probs[front], _probs[i]) = (_probs[i], _probs[front]);
                    front++;
                }
            }
            if (mass >= topP)
                sorted = front;
        }
        for (int i = 0; i < sorted; i++)
            _sortKeys[i] = -_probs[i];
        Array.Sort(_sortKeys, _ids, 0, sorted);
        for (int i = 0; i < sorted; i++)
            _probs[i] = -_sortKeys[i];

        double before = 0;
        int kept = 0;
        while (kept < sorted && (kept == 0 || before < topP))
            before += _probs[kept++];
        return kept;
    }

    int KeepAboveMinP(int count, double minP)
    {
        double top = 0;
        for (int i = 0; i < count; i++)
            top = Math.Max(top, _probs[i]);
        double threshold = minP * top;
        int kept = 0;
        for (int i = 0; i < count; i++)
        {
            if (_probs[i] >= threshold)
            {
                _ids[kept] = _ids[i];
                _probs[kept++] = _probs[i];
            }
        }
        return kept;
    }

    void Normalize(int count)
    {
        double sum = 0;
        for (int i = 0; i < count; i++)
            sum += _probs[i];
        for (int i = 0; i < count; i++)
            _probs[i] /= sum;
    }

    void EnsureCapacity(int n)
    {
        if (_logits.Length >= n)
            return;
        _logits = new float[n];
        _ids = new int[n];
        _probs = new double[n];
        _sortKeys = new double[n];
    }
}
