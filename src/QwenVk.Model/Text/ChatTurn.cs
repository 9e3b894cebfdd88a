namespace QwenVk.Model.Text;

/// <summary>Who speaks a chat message. Tool messages exist so callers get a clear refusal instead of a silent
/// mis-rendering: QwenVk's templates do not support tools.</summary>
public enum MessageRole
{
    System,
    User,
    Assistant,
    Tool,
}

/// <summary>One chat message. <paramref name="ReasoningContent"/> is Qwen3's optional separate reasoning field
/// (used instead of splitting &lt;think&gt;...&lt;/think&gt; out of the content); null means "not given".</summary>
public sealed record ChatTurn(MessageRole Role, string Content, string? ReasoningContent = null)
{
    public static ChatTurn System(string content) => new(MessageRole.System, content);
    public static ChatTurn User(string content) => new(MessageRole.User, content);
    public static ChatTurn Assistant(string content) => new(MessageRole.Assistant, content);

    /// <summary>Parses Hugging Face / OpenAI role names ("system", "user", "assistant", "tool").</summary>
    public static MessageRole ParseRole(string role) => role switch
    {
        "system" => MessageRole.System,
        "user" => MessageRole.User,
        "assistant" => MessageRole.Assistant,
        "tool" => MessageRole.Tool,
        _ => throw new ArgumentException($"Unknown chat role '{role}': expected system, user or assistant.", nameof(role)),
    };
}
