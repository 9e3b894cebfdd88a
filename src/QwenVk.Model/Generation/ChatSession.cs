using System.Runtime.CompilerServices;
using System.Text;
using QwenVk.Model.Text;

namespace QwenVk.Model.Generation;

/// <summary>A multi-turn conversation. Each turn renders the whole conversation with the model's chat template;
/// the engine finds the earlier turns in its KV cache and processes only the new tokens.</summary>
public sealed class ChatSession
{
    readonly QwenEngine _engine;
    readonly string? _system;
    readonly List<ChatTurn> _turns = new();

    public bool EnableThinking { get; set; }
    public IReadOnlyList<ChatTurn> Turns => _turns;

    internal ChatSession(QwenEngine engine, string? systemPrompt, bool enableThinking)
    {
        _engine = engine;
        _system = systemPrompt;
        EnableThinking = enableThinking;
        Reset();
    }

    /// <summary>Sends a user message (encoded literally: special-token text in it stays text) and streams the reply.
    /// A turn that fails (longer than the context, say) is taken back out of the conversation, so the next one
    /// starts from the turns before it; a cancelled or abandoned reply stays, as far as it got.</summary>
    public async IAsyncEnumerable<string> SendAsync(string userMessage, GenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancel = default)
    {
        int before = _turns.Count;
        _turns.Add(ChatTurn.User(userMessage));
        var reply = new StringBuilder();
        bool failed = true;
        try
        {
            var prompt = _engine.Template.Render(_turns, addGenerationPrompt: true, enableThinking: EnableThinking);
            var ids = _engine.Tokenizer.Encode(prompt);
            await using var tokens = _engine.GenerateTokensAsync(ids, options, cancel).GetAsyncEnumerator(cancel);
            while (true)
            {
                bool more;
                try { more = await tokens.MoveNextAsync(); }
                catch (OperationCanceledException) { failed = false; throw; }
                if (!more) break;
                reply.Append(tokens.Current.Text);
                // A consumer that stops early (break, dispose) keeps the reply it saw.
                failed = false;
                if (tokens.Current.Text.Length > 0) yield return tokens.Current.Text;
                failed = true;
            }
            failed = false;
        }
        finally
        {
            if (failed) _turns.RemoveRange(before, _turns.Count - before);
            // Even a cancelled reply is part of the conversation: what the user saw is what the model said.
            else _turns.Add(ChatTurn.Assistant(reply.ToString()));
        }
    }

    public void Reset()
    {
        _turns.Clear();
        if (_system is not null) _turns.Add(ChatTurn.System(_system));
    }
}
