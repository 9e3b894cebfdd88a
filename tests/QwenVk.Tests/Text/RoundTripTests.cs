using System.Text;
using QwenVk.Model.Text;
using QwenVk.Model.Text.Nfc;

namespace QwenVk.Tests.Text;

/// <summary>Random text mixing scripts, astral letters/digits/emoji, combining marks, whitespace runs, special-token
/// strings and lone surrogates must survive encode/decode (up to NFC, and U+FFFD for lone surrogates), both through
/// Encode and EncodeLiteral, and stream-decode to the same text.</summary>
[Collection("qwen-tokenizers")]
public sealed class RoundTripTests(QwenTokenizers tokenizers)
{
    static readonly string[] Pool =
    [
        "a", "Z", "é", "e\u0301", "ß", "ſ", "'s", "'T", " ", "  ", "\t", "\n", "\r\n", "\u3000", "\u00A0", "1", "٣", "²",
        "你", "好", "の", "각", "\u1100\u1161", "Я", "ω", "ק", "ب", "ह", "\u0E01", "!", "...", "->", "_", "\"", "<",
        "𠮷", "𝐇", "𝟏", "𝑚", "😀", "👍🏽", "🦙", "\u200B", "\uFEFF", "\0", "<|im_start|>", "<|im_end|>", "<think>",
        "</think>", "<|endoftext|>", "\uD800", "\uDC00",
    ];

    [Theory]
    [InlineData(TokenizerKind.Qwen25)]
    [InlineData(TokenizerKind.Qwen3)]
    public void RandomText_RoundTrips(TokenizerKind kind)
    {
        QwenTokenizer tokenizer = tokenizers.Get(kind);
        var random = new Random(2024 + (int)kind);
        for (int trial = 0; trial < 300; trial++)
        {
            var sb = new StringBuilder();
            int parts = random.Next(1, 40);
            for (int i = 0; i < parts; i++)
                sb.Append(Pool[random.Next(Pool.Length)]);
            string text = sb.ToString();
            string expected = NfcNormalizer.Normalize(text);

            int[] ids = tokenizer.Encode(text);
            Assert.Equal(expected, tokenizer.Decode(ids));
            int[] literal = tokenizer.EncodeLiteral(text);
            Assert.Equal(expected, tokenizer.Decode(literal));
            Assert.DoesNotContain(literal, id => id >= tokenizer.EndOfTextId);

            var decoder = new StreamingDecoder(tokenizer);
            Assert.Equal(expected, string.Concat(ids.Select(decoder.Push)) + decoder.Flush());
        }
    }
}
