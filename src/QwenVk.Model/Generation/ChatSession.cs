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

    /// <summary>Sends a user message (encoded literally: special-token text in it stays text) and streams the reply.</summary>
    public async IAsyncEnumerable<string> SendAsync(string userMessage, GenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancel = default)
    {
        _turns.Add(ChatTurn.User(userMessage));
        var prompt = _engine.Template.Render(_turns, addGenerationPrompt: true, enableThinking: EnableThinking);
        var ids = _engine.Tokenizer.Encode(prompt);
        var reply = new StringBuilder();
        try
        {
            await foreach (var t in _engine.GenerateTokensAsync(ids, options, cancel))
            {
                reply.Append(t.Text);
                if (t.Text.Length > 0) yield return t.Text;
            }
        }
        finally
        {
            // Even a cancelled reply is part of the conversation: what the user saw is what the model said.
            _turns.Add(ChatTurn.Assistant(reply.ToString()));
        }
    }

    public void Reset()
    {
        _turns.Clear();
        if (_system is not null) _turns.Add(ChatTurn.System(_system));
    }
}
