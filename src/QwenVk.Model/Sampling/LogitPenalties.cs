namespace QwenVk.Model.Sampling;

/// <summary>Repetition, presence and frequency penalties applied in place to a logit row.</summary>
public static class LogitPenalties
{
    public static void Apply(Span<float> logits, TokenHistory history, SamplingOptions options)
    {
        if (options.RepetitionPenalty != 1f)
        {
            float penalty = options.RepetitionPenalty;
            foreach (int id in history.Seen)
            {
                if ((uint)id < (uint)logits.Length)
                    logits[id] = logits[id] < 0f ? logits[id] * penalty : logits[id] / penalty;
            }
        }
        if (options.PresencePenalty != 0f || options.FrequencyPenalty != 0f)
        {
            foreach ((int id, int count) in history.GeneratedCounts)
            {
                if ((uint)id < (uint)logits.Length)
                    logits[id] -= count * options.FrequencyPenalty + options.PresencePenalty;
            }
        }
    }
}
