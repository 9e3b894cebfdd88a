using QwenVk.Model.Text;
using QwenVk.Model.Text.Nfc;

namespace QwenVk.Tests.Text;

/// <summary>Ids must equal Hugging Face's exactly, for both tokenizers, on every golden string.</summary>
[Collection("qwen-tokenizers")]
public sealed class TokenizerGoldenTests(QwenTokenizers tokenizers)
{
    public static TheoryData<TokenizerKind, string> AllCases()
    {
        var data = new TheoryData<TokenizerKind, string>();
        foreach (TokenizerKind kind in Enum.GetValues<TokenizerKind>())
            foreach (GoldenCase c in Golden.AllCases)
                data.Add(kind, c.Name);
        return data;
    }

    public static TheoryData<TokenizerKind, string> CasesWithDecoded()
    {
        var data = new TheoryData<TokenizerKind, string>();
        foreach (TokenizerKind kind in Enum.GetValues<TokenizerKind>())
            foreach (GoldenCase c in Golden.AllCases.Where(c => c.DecodedSkipSpecial is not null))
                data.Add(kind, c.Name);
        return data;
    }

    [Theory, MemberData(nameof(AllCases))]
    public void Encode_GivesHuggingFaceIds(TokenizerKind kind, string name)
    {
        GoldenCase c = Golden.Case(name);
        Assert.Equal(c.IdsFor(kind), tokenizers.Get(kind).Encode(c.Text));
    }

    [Theory, MemberData(nameof(AllCases))]
    public void Decode_OfEncode_GivesTheNfcText(TokenizerKind kind, string name)
    {
        // Hugging Face round-trips every golden string except for its NFC normalization (NfcNormalizer is checked
        // against Python in NfcNormalizerTests).
        GoldenCase c = Golden.Case(name);
        QwenTokenizer tokenizer = tokenizers.Get(kind);
        Assert.Equal(NfcNormalizer.Normalize(c.Text), tokenizer.Decode(tokenizer.Encode(c.Text)));
    }

    [Theory, MemberData(nameof(CasesWithDecoded))]
    public void Decode_SkippingSpecialTokens_MatchesHuggingFace(TokenizerKind kind, string name)
    {
        GoldenCase c = Golden.Case(name);
        Assert.Equal(c.DecodedSkipSpecial, tokenizers.Get(kind).Decode(c.IdsFor(kind), skipSpecialTokens: true));
    }

    [Fact]
    public void SpecialTokenIds_MatchGolden()
    {
        QwenTokenizer qwen3 = tokenizers.Get(TokenizerKind.Qwen3);
        foreach (var entry in Golden.Root.GetProperty("special_tokens").EnumerateObject())
            Assert.Equal(entry.Value.GetInt32(), qwen3.TokenId(entry.Name));
        QwenTokenizer qwen25 = tokenizers.Get(TokenizerKind.Qwen25);
        foreach (var entry in Golden.Root.GetProperty("qwen2_5_added_tokens").EnumerateObject())
            Assert.Equal(entry.Value.GetInt32(), qwen25.TokenId(entry.Name));

        Assert.Equal((151643, 151644, 151645, 151667, 151668),
            (qwen3.EndOfTextId, qwen3.ImStartId, qwen3.ImEndId, qwen3.ThinkId, qwen3.ThinkEndId));
        Assert.Null(qwen25.ThinkId);
        Assert.Null(qwen25.ThinkEndId);
        Assert.Equal(151669, qwen3.VocabSize);
        Assert.Equal(151665, qwen25.VocabSize);
        Assert.Equal(qwen3.TokenId(Golden.Root.GetProperty("eos_token").GetString()!), qwen3.EosId);
        Assert.Equal(qwen3.TokenId(Golden.Root.GetProperty("pad_token").GetString()!), qwen3.PadId);
    }

    [Fact]
    public void SpecialFlag_FollowsTokenizerJson()
    {
        QwenTokenizer qwen3 = tokenizers.Get(TokenizerKind.Qwen3);
        var notSpecial = Golden.Root.GetProperty("special_flag_false").EnumerateArray().Select(e => e.GetString()!).ToHashSet();
        foreach (var entry in Golden.Root.GetProperty("special_tokens").EnumerateObject())
            Assert.Equal(!notSpecial.Contains(entry.Name), qwen3.IsSpecial(entry.Value.GetInt32()));
        Assert.False(qwen3.IsSpecial(9707));
    }

    [Fact]
    public void Decode_RejectsIdsOutsideTheTokenizer()
    {
        QwenTokenizer qwen3 = tokenizers.Get(TokenizerKind.Qwen3);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => qwen3.Decode([151900]));
        Assert.Contains("151900", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => qwen3.Decode([-1]));
    }

    [Fact]
    public void Decode_OfAnIncompleteUtf8Token_GivesReplacementCharacterLikeHuggingFace()
    {
        // 'ä' is the byte-level spelling of the lone byte 0xE4, the first byte of a 3-byte sequence.
        QwenTokenizer qwen3 = tokenizers.Get(TokenizerKind.Qwen3);
        Assert.Equal("\uFFFD", qwen3.Decode([qwen3.TokenId("ä")]));
    }
}
