using System.Text;
using QwenVk.Model.Text;

namespace QwenVk.Tests.Text;

[Collection("qwen-tokenizers")]
public sealed class StreamingDecoderTests(QwenTokenizers tokenizers)
{
    public static TheoryData<TokenizerKind> Kinds() => new(Enum.GetValues<TokenizerKind>());

    /// <summary>Every golden string (CJK, emoji with ZWJ and skin tones, astral letters, control characters) fed id
    /// by id gives exactly the full decode, and no piece holds U+FFFD or half a surrogate pair.</summary>
    [Theory, MemberData(nameof(Kinds))]
    public void PushingIdsOneByOne_EqualsFullDecode_WithoutHalfCharacters(TokenizerKind kind)
    {
        QwenTokenizer tokenizer = tokenizers.Get(kind);
        int splitCharacters = 0;
        foreach (GoldenCase c in Golden.AllCases)
        {
            int[] ids = c.IdsFor(kind);
            var decoder = new StreamingDecoder(tokenizer);
            var streamed = new StringBuilder();
            foreach (int id in ids)
            {
                string piece = decoder.Push(id);
                Assert.DoesNotContain('\uFFFD', piece);
                Assert.False(HasLoneSurrogate(piece), $"{c.Name}: piece with half a surrogate pair");
                if (piece.Length == 0 && tokenizer.Bytes(id).Length > 0)
                    splitCharacters++;
                streamed.Append(piece);
            }
            streamed.Append(decoder.Flush());
            Assert.Equal(tokenizer.Decode(ids), streamed.ToString());
        }
        // The check is only meaningful if characters really were split over several tokens.
        Assert.True(splitCharacters > 50, $"only {splitCharacters} ids were held back");
    }

    [Fact]
    public void SkipSpecialTokens_DropsSpecialButKeepsThink()
    {
        QwenTokenizer qwen3 = tokenizers.Get(TokenizerKind.Qwen3);
        GoldenCase c = Golden.Case("qwen3_think");
        var decoder = new StreamingDecoder(qwen3, skipSpecialTokens: true);
        string text = string.Concat(c.Ids.Select(decoder.Push)) + decoder.Flush();
        Assert.Equal(c.DecodedSkipSpecial, text);
    }

    [Fact]
    public void IncompleteCharacterAtTheEnd_IsHeldBackThenFlushedAsReplacement()
    {
        QwenTokenizer qwen3 = tokenizers.Get(TokenizerKind.Qwen3);
        int[] ids = qwen3.Encode("ok 🦙");
        int[] truncated = ids[..^1]; // the llama's 4 bytes span several tokens; drop the last one
        var decoder = new StreamingDecoder(qwen3);
        string pushed = string.Concat(truncated.Select(decoder.Push));
        Assert.Equal("ok ", pushed);
        string flushed = decoder.Flush();
        Assert.Equal(qwen3.Decode(truncated), pushed + flushed);
        Assert.Contains('\uFFFD', flushed);
    }

    static bool HasLoneSurrogate(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                i++;
            else if (char.IsSurrogate(s[i]))
                return true;
        }
        return false;
    }
}
