namespace QwenVk.Model.Sampling;

/// <summary>
/// How the next token is chosen from a logit row. Defaults sample from the plain softmax. Applied in Hugging Face's
/// order: repetition penalty, presence/frequency penalties, temperature, top-k, top-p, min-p.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>0 picks the arg-max (greedy); otherwise logits are divided by it before the softmax.</summary>
    public float Temperature { get; init; } = 1f;

    /// <summary>Keep the k highest logits (ties with the k-th are kept, as in Hugging Face); 0 = off.</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most probable tokens whose probability sums to at least this; 1 = off.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Drop tokens less probable than MinP times the most probable one; 0 = off.</summary>
    public float MinP { get; init; }

    /// <summary>Hugging Face's: logits of tokens seen in the prompt or output are divided by it when positive and
    /// multiplied by it when negative; 1 = off.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>OpenAI's: subtracted once from the logit of every token already generated; 0 = off.</summary>
    public float PresencePenalty { get; init; }

    /// <summary>OpenAI's: subtracted from a token's logit once per time it was already generated; 0 = off.</summary>
    public float FrequencyPenalty { get; init; }

    /// <summary>Seed of the sampler's own random generator; null picks one (readable from <see cref="Sampler.Seed"/>).</summary>
    public ulong? Seed { get; init; }

    public static SamplingOptions Greedy { get; } = new() { Temperature = 0f };

    public bool HasPenalties => RepetitionPenalty != 1f || PresencePenalty != 0f || FrequencyPenalty != 0f;

    /// <summary>Throws naming the first out-of-range option.</summary>
    public void Validate()
    {
        if (!float.IsFinite(Temperature) || Temperature < 0f)
            throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be >= 0 (0 = greedy).");
        if (TopK < 0)
            throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "TopK must be >= 0 (0 = off).");
        if (!(TopP > 0f && TopP <= 1f))
            throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "TopP must be in (0, 1] (1 = off).");
        if (!(MinP >= 0f && MinP <= 1f))
            throw new ArgumentOutOfRangeException(nameof(MinP), MinP, "MinP must be in [0, 1] (0 = off).");
        if (!float.IsFinite(RepetitionPenalty) || RepetitionPenalty <= 0f)
            throw new ArgumentOutOfRangeException(nameof(RepetitionPenalty), RepetitionPenalty, "RepetitionPenalty must be > 0 (1 = off).");
        if (!float.IsFinite(PresencePenalty))
            throw new ArgumentOutOfRangeException(nameof(PresencePenalty), PresencePenalty, "PresencePenalty must be finite (OpenAI allows -2..2).");
        if (!float.IsFinite(FrequencyPenalty))
            throw new ArgumentOutOfRangeException(nameof(FrequencyPenalty), FrequencyPenalty, "FrequencyPenalty must be finite (OpenAI allows -2..2).");
    }
}
