using System.Text;

namespace QwenVk.Model.Text;

/// <summary>Builds prompt text while remembering which parts came from messages (literal, never special tokens).</summary>
sealed class PromptBuilder
{
    readonly StringBuilder _text = new();
    readonly List<Range> _contentSpans = [];

    public PromptBuilder Template(string text)
    {
        _text.Append(text);
        return this;
    }

    public PromptBuilder Content(string text)
    {
        if (text.Length > 0)
        {
            _contentSpans.Add(new Range(_text.Length, _text.Length + text.Length));
            _text.Append(text);
        }
        return this;
    }

    public ChatPrompt Build() => new(_text.ToString(), _contentSpans.ToArray());
}
