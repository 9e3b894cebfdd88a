using System.CommandLine;
using QwenVk.Model.Generation;
using QwenVk.Model.Sampling;

namespace QwenVk.Cli.Commands;

/// <summary>The sampling and stopping options that generate and chat share, with llama.cpp-like names.</summary>
sealed class GenerationArguments
{
    public readonly Option<int> MaxTokens = new("--max-tokens", "-n") { Description = "Most tokens to generate.", DefaultValueFactory = _ => 256 };
    public readonly Option<float?> Temperature = new("--temperature", "--temp") { Description = "Sampling temperature; 0 = greedy. Default: the model's generation_config.json, else 0.7." };
    public readonly Option<int?> TopK = new("--top-k") { Description = "Sample only among the k most likely tokens (0 = off)." };
    public readonly Option<float?> TopP = new("--top-p") { Description = "Sample only from the smallest set of tokens whose probability reaches p (1 = off)." };
    public readonly Option<float?> MinP = new("--min-p") { Description = "Drop tokens less likely than min-p times the most likely one (0 = off)." };
    public readonly Option<float?> RepeatPenalty = new("--repeat-penalty") { Description = "Hugging Face repetition penalty on tokens already seen (1 = off)." };
    public readonly Option<float?> PresencePenalty = new("--presence-penalty") { Description = "OpenAI presence penalty (0 = off)." };
    public readonly Option<float?> FrequencyPenalty = new("--frequency-penalty") { Description = "OpenAI frequency penalty (0 = off)." };
    public readonly Option<ulong?> Seed = new("--seed") { Description = "Random seed: the same seed and settings give the same text." };
    public readonly Option<string[]> Stop = new("--stop") { Description = "Stop when this text appears (repeatable).", AllowMultipleArgumentsPerToken = false };

    public void AddTo(Command cmd)
    {
        foreach (var o in new Option[] { MaxTokens, Temperature, TopK, TopP, MinP, RepeatPenalty, PresencePenalty, FrequencyPenalty, Seed, Stop })
            cmd.Options.Add(o);
    }

    /// <summary>Checks the values given on the command line, before a model is loaded, naming the flag.</summary>
    public void Validate(ParseResult r)
    {
        static void Check(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }
        Check(r.GetValue(MaxTokens) >= 1, $"--max-tokens is {r.GetValue(MaxTokens)}; give at least 1.");
        if (r.GetValue(Temperature) is float t) Check(float.IsFinite(t) && t >= 0, $"--temperature is {t}; give a number >= 0 (0 = greedy).");
        if (r.GetValue(TopK) is int k) Check(k >= 0, $"--top-k is {k}; give an integer >= 0 (0 = off).");
        if (r.GetValue(TopP) is float p) Check(p > 0 && p <= 1, $"--top-p is {p}; give a number in (0, 1] (1 = off).");
        if (r.GetValue(MinP) is float m) Check(m >= 0 && m <= 1, $"--min-p is {m}; give a number in [0, 1] (0 = off).");
        if (r.GetValue(RepeatPenalty) is float rp) Check(float.IsFinite(rp) && rp > 0, $"--repeat-penalty is {rp}; give a number > 0 (1 = off).");
        if (r.GetValue(PresencePenalty) is float pp) Check(float.IsFinite(pp), $"--presence-penalty is {pp}; give a finite number (0 = off).");
        if (r.GetValue(FrequencyPenalty) is float fp) Check(float.IsFinite(fp), $"--frequency-penalty is {fp}; give a finite number (0 = off).");
        foreach (var stop in r.GetValue(Stop) ?? [])
            Check(stop.Length > 0, "--stop is empty; give the text to stop at (an empty one would stop before the first token).");
    }

    /// <summary>Options from the command line over the model's defaults (<paramref name="defaults"/>).</summary>
    public GenerationOptions Read(ParseResult r, SamplingOptions defaults)
    {
        var s = defaults with
        {
            Temperature = r.GetValue(Temperature) ?? defaults.Temperature,
            TopK = r.GetValue(TopK) ?? defaults.TopK,
            TopP = r.GetValue(TopP) ?? defaults.TopP,
            MinP = r.GetValue(MinP) ?? defaults.MinP,
            RepetitionPenalty = r.GetValue(RepeatPenalty) ?? defaults.RepetitionPenalty,
            PresencePenalty = r.GetValue(PresencePenalty) ?? defaults.PresencePenalty,
            FrequencyPenalty = r.GetValue(FrequencyPenalty) ?? defaults.FrequencyPenalty,
            Seed = r.GetValue(Seed) ?? defaults.Seed,
        };
        s.Validate();
        return new GenerationOptions
        {
            Sampling = s,
            MaxNewTokens = r.GetValue(MaxTokens),
            StopStrings = r.GetValue(Stop) ?? [],
        };
    }
}
