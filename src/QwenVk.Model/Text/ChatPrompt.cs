namespace QwenVk.Model.Text;

/// <summary>A rendered chat prompt: the text, and where the messages' contents lie in it, so that
/// <see cref="QwenTokenizer.Encode(ChatPrompt)"/> can parse added tokens only in the template's own text.</summary>
public sealed record ChatPrompt(string Text, IReadOnlyList<Range> ContentSpans);
