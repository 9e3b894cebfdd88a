using System.Text;

namespace QwenVk.Model.Text;

/// <summary>
/// Turns generated ids into text as they arrive. A byte-level token can end in the middle of a UTF-8 sequence
/// (emoji, CJK, astral letters often span 2-4 tokens); those bytes are held back until the character completes, so
/// the output never contains half a character or a spurious U+FFFD. The concatenation of all pushes plus
/// <see cref="Flush"/> equals <see cref="QwenTokenizer.Decode"/> of the same ids.
/// </summary>
public sealed class StreamingDecoder
{
    readonly QwenTokenizer _tokenizer;
    readonly bool _skipSpecialTokens;
    readonly Decoder _utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false).GetDecoder();
    char[] _chars = new char[64];

    public StreamingDecoder(QwenTokenizer tokenizer, bool skipSpecialTokens = false)
    {
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _skipSpecialTokens = skipSpecialTokens;
    }

    /// <summary>Adds one id; returns the text completed by it (often empty while a character is incomplete).</summary>
    public string Push(int id)
    {
        if (_skipSpecialTokens && _tokenizer.IsSpecial(id))
            return "";
        return Convert(_tokenizer.Bytes(id), flush: false);
    }

    /// <summary>Ends the stream: bytes of an unfinished character come out as U+FFFD, as a full decode would.</summary>
    public string Flush() => Convert(ReadOnlySpan<byte>.Empty, flush: true);

    string Convert(ReadOnlySpan<byte> bytes, bool flush)
    {
        int needed = _utf8.GetCharCount(bytes, flush: false) + 4;
        if (_chars.Length < needed)
            _chars = new char[Math.Max(needed, _chars.Length * 2)];
        int written = _utf8.GetChars(bytes, _chars, flush);
        return new string(_chars, 0, written);
    }
}
