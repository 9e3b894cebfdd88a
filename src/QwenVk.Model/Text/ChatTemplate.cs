using System.Text.Json;

namespace QwenVk.Model.Text;

/// <summary>
/// Renders chat messages the way Qwen2.5's or Qwen3's Jinja chat template (tokenizer_config.json) does, for plain
/// chats (no tools). Encode the result with <see cref="QwenTokenizer.Encode(ChatPrompt)"/> so that special-token
/// strings inside messages stay text.
/// </summary>
public sealed class ChatTemplate
{
    public ChatTemplate(ChatTemplateFamily family)
    {
        if (!Enum.IsDefined(family))
            throw new ArgumentOutOfRangeException(nameof(family), family, "Unknown chat template family.");
        Family = family;
    }

    public ChatTemplateFamily Family { get; }

    /// <summary>Reads "chat_template" from a tokenizer_config.json and recognises its family.</summary>
    public static ChatTemplate FromTokenizerConfig(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Tokenizer config '{path}' does not exist.", path);
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
        if (!doc.RootElement.TryGetProperty("chat_template", out JsonElement template) || template.ValueKind != JsonValueKind.String)
            throw new InvalidDataException($"{path}: no string field 'chat_template'. Pass the template text (e.g. from chat_template.jinja) to FromTemplateText, or choose a ChatTemplateFamily explicitly.");
        return FromTemplateText(template.GetString()!, path);
    }

    public static ChatTemplate FromTemplateText(string jinjaTemplate, string source = "chat template") =>
        new(DetectFamily(jinjaTemplate, source));

    /// <summary>Recognises the template by text only it has. A template that matches neither (Qwen2, QwQ, Qwen3-2507,
    /// a fine-tune's own) is refused rather than rendered with rules it may not follow.</summary>
    public static ChatTemplateFamily DetectFamily(string jinjaTemplate, string source = "chat template")
    {
        ArgumentNullException.ThrowIfNull(jinjaTemplate);
        bool thinks = jinjaTemplate.Contains("<think>", StringComparison.Ordinal);
        if (thinks && jinjaTemplate.Contains("enable_thinking is defined and enable_thinking is false", StringComparison.Ordinal)
            && jinjaTemplate.Contains("reasoning_content", StringComparison.Ordinal)
            && jinjaTemplate.Contains("last_query_index", StringComparison.Ordinal))
            return ChatTemplateFamily.Qwen3;
        if (!thinks && jinjaTemplate.Contains(Qwen25ChatRenderer.DefaultSystemPrompt, StringComparison.Ordinal))
            return ChatTemplateFamily.Qwen25;
        throw new NotSupportedException(
            $"{source}: the chat template is neither Qwen2.5's nor Qwen3's (hybrid thinking). Choose a ChatTemplateFamily explicitly if the model was trained with one of those.");
    }

    /// <summary>Renders the messages. <paramref name="enableThinking"/> matters for Qwen3 only: false appends an
    /// empty think block to the generation prompt so the model answers directly.</summary>
    public ChatPrompt Render(IReadOnlyList<ChatTurn> messages, bool addGenerationPrompt = true, bool enableThinking = true)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
            throw new ArgumentException("A chat needs at least one message (the templates read messages[0]).", nameof(messages));
        for (int i = 0; i < messages.Count; i++)
        {
            ChatTurn? message = messages[i] ?? throw new ArgumentException($"Message #{i} is null.", nameof(messages));
            if (message.Role == MessageRole.Tool)
                throw new NotSupportedException($"Message #{i} has role 'tool': tool calls and tool results are not supported by QwenVk's chat templates. Send plain system/user/assistant messages.");
            if (!Enum.IsDefined(message.Role))
                throw new ArgumentException($"Message #{i} has an unknown role ({(int)message.Role}).", nameof(messages));
            if (message.Content is null)
                throw new ArgumentException($"Message #{i} ({RoleName(message.Role)}) has null content.", nameof(messages));
        }
        return Family == ChatTemplateFamily.Qwen3
            ? Qwen3ChatRenderer.Render(messages, addGenerationPrompt, enableThinking)
            : Qwen25ChatRenderer.Render(messages, addGenerationPrompt);
    }

    internal static string RoleName(MessageRole role) => role switch
    {
        MessageRole.System => "system",
        MessageRole.User => "user",
        MessageRole.Assistant => "assistant",
        MessageRole.Tool => "tool",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, null),
    };
}
