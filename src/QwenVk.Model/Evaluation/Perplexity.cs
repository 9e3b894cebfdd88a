using System.Text;
using QwenVk.Model.Inference;

namespace QwenVk.Model.Evaluation;

/// <summary>Which tokens of a window are scored.</summary>
public enum PerplexityScoring
{
    /// <summary>Every token after the window's first, given its predecessors in the window.</summary>
    AfterFirst,
    /// <summary>llama.cpp's llama-perplexity rule: only the tokens at positions ctx/2 + 1 .. ctx - 1 of a window, so
    /// each has at least half a window of context (its figure is lower than <see cref="AfterFirst"/>'s).</summary>
    SecondHalf,
}

/// <summary>The outcome of <see cref="Perplexity.Evaluate"/>: ppl = exp(mean negative log-likelihood).</summary>
public sealed record PerplexityResult(double Ppl, double Nll, long TokensScored, int Windows, int Ctx, int TextTokens);

/// <summary>
/// Perplexity of a model on a text, the way llama.cpp users compare quantizations: the token ids are cut into
/// consecutive non-overlapping windows of ctx tokens (a last partial window is dropped); each window runs from an
/// empty KV cache, and the scored tokens of each (<see cref="PerplexityScoring"/>) are scored given their
/// predecessors in that window.
/// </summary>
public static class Perplexity
{
    /// <summary>Index in a window of its first scored token.</summary>
    public static int FirstScored(int ctx, PerplexityScoring scoring) => scoring == PerplexityScoring.SecondHalf ? ctx / 2 + 1 : 1;

    /// <summary>A text file as a string: it must exist, hold something and be valid UTF-8 (a byte-order mark is
    /// dropped), since a wrongly decoded text would be scored without complaint.</summary>
    public static string ReadText(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"text file '{path}' does not exist; give a UTF-8 text file (--file).", path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length == 0)
            throw new InvalidDataException($"text file '{path}' is empty; perplexity needs a text of at least one window (--ctx tokens).");
        try
        {
            var text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
            return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"text file '{path}' is not valid UTF-8 (bad byte at offset {e.Index}); convert it to UTF-8 (e.g. iconv -t UTF-8).");
        }
    }

    /// <summary>Throws, naming the limit and what to do, when a window of <paramref name="ctx"/> tokens cannot be
    /// scored: too short to score a token, longer than the model's max_position_embeddings, or longer than the
    /// text (<paramref name="textTokens"/>; null skips that test).</summary>
    public static void CheckWindow(int ctx, PerplexityScoring scoring, int maxPositionEmbeddings, int? textTokens, string textName = "the text")
    {
        // ctx - FirstScored tokens are scored: one at least.
        int least = scoring == PerplexityScoring.SecondHalf ? 3 : 2;
        if (ctx < least)
            throw new ArgumentException($"--ctx {ctx} is too short: a window needs at least {least} tokens to score any{(scoring == PerplexityScoring.SecondHalf ? " in its second half" : "")}; use --ctx 512 (the usual) or at least {least}.");
        if (ctx > maxPositionEmbeddings)
            throw new ArgumentException($"--ctx {ctx} is over the model's context (max_position_embeddings {maxPositionEmbeddings} in config.json); use --ctx {maxPositionEmbeddings} or less.");
        if (textTokens is int n && n < ctx)
            throw new ArgumentException(n == 0
                ? $"{textName} holds no tokens; give a text of at least --ctx {ctx} tokens."
                : $"{textName} is {n} tokens, shorter than one window of --ctx {ctx}; use a longer text or --ctx {n} or less.");
    }

    /// <summary>Scores <paramref name="tokens"/> with <paramref name="model"/> (its KV cache is reset before every
    /// window and left reset). <paramref name="progress"/> gets the number of windows done.</summary>
    public static PerplexityResult Evaluate(QwenModel model, IReadOnlyList<int> tokens, int ctx,
        PerplexityScoring scoring = PerplexityScoring.AfterFirst, IProgress<int>? progress = null, CancellationToken cancel = default)
    {
        CheckWindow(ctx, scoring, model.Config.MaxPositionEmbeddings, tokens.Count);
        if (ctx > model.ContextLength)
            throw new ArgumentException($"--ctx {ctx} is over the context this model was loaded with ({model.ContextLength} tokens of KV cache); load it with a context of at least {ctx}.");
        int windows = tokens.Count / ctx;
        int first = FirstScored(ctx, scoring);
        double nll = 0;
        long scored = 0;
        var ids = new int[ctx];
        for (int w = 0; w < windows; w++)
        {
            cancel.ThrowIfCancellationRequested();
            for (int i = 0; i < ctx; i++) ids[i] = tokens[w * ctx + i];
            model.Reset();
            // The window's last token is only ever a target: ctx - 1 tokens in, each position scoring the next one.
            var logprobs = model.TokenLogprobs(ids.AsSpan(0, ctx - 1), ids.AsSpan(1));
            for (int i = first - 1; i < ctx - 1; i++)
            {
                if (!float.IsFinite(logprobs[i]))
                    throw new InvalidDataException($"window {w + 1}, token {i + 1}: the model gave log-probability {logprobs[i]} (a non-finite value: overflowing activations or a broken device?).");
                nll -= logprobs[i];
                scored++;
            }
            progress?.Report(w + 1);
        }
        model.Reset();
        double mean = nll / scored;
        return new PerplexityResult(Math.Exp(mean), mean, scored, windows, ctx, tokens.Count);
    }
}
