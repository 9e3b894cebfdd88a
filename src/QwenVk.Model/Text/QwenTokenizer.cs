using System.Text;
using Microsoft.ML.Tokenizers;
using QwenVk.Model.Text.Nfc;

namespace QwenVk.Model.Text;

/// <summary>
/// Qwen2/2.5/3 tokenizer from a Hugging Face tokenizer.json (plain or .gz), giving Hugging Face's ids. Added tokens
/// are split out here (as HF does, before normalization); the text between them is NFC-normalized, split by Qwen's
/// pre-tokenizer regex (astral-aware) and byte-level-BPE-encoded by Microsoft.ML.Tokenizers.
/// </summary>
public sealed class QwenTokenizer
{
    static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    readonly BpeTokenizer _bpe;
    readonly bool _nfc;
    readonly AddedTokenMatcher _matcher;
    readonly Dictionary<string, int> _addedByContent;
    readonly Dictionary<string, int> _vocabulary;
    readonly byte[]?[] _bytesById;
    readonly bool[] _specialById;

    QwenTokenizer(TokenizerJson json)
    {
        _nfc = json.NfcNormalizer;
        _vocabulary = json.Vocabulary;
        _bpe = BpeTokenizer.Create(new BpeOptions(json.Vocabulary)
        {
            Merges = json.Merges,
            PreTokenizer = new QwenPreTokenizer(),
            ByteLevel = true,
        });
        _matcher = new AddedTokenMatcher(json.AddedTokens);
        _addedByContent = json.AddedTokens.ToDictionary(t => t.Content, t => t.Id, StringComparer.Ordinal);

        int maxId = Math.Max(json.Vocabulary.Values.DefaultIfEmpty(-1).Max(), json.AddedTokens.Select(t => t.Id).DefaultIfEmpty(-1).Max());
        VocabSize = maxId + 1;
        _bytesById = new byte[]?[VocabSize];
        _specialById = new bool[VocabSize];
        foreach ((string token, int id) in json.Vocabulary)
            _bytesById[id] = TokenBytes(token);
        foreach (AddedToken token in json.AddedTokens)
        {
            _bytesById[token.Id] = TokenBytes(token.Content);
            _specialById[token.Id] = token.Special;
        }

        EndOfTextId = TokenId("<|endoftext|>");
        ImStartId = TokenId("<|im_start|>");
        ImEndId = TokenId("<|im_end|>");
        ThinkId = TryGetTokenId("<think>", out int think) ? think : null;
        ThinkEndId = TryGetTokenId("</think>", out int thinkEnd) ? thinkEnd : null;
    }

    /// <summary>Loads a tokenizer.json or tokenizer.json.gz (detected by content).</summary>
    public static QwenTokenizer Load(string path) =>
        FromJson(TokenizerFileReader.ReadAllBytes(path), path);

    public static QwenTokenizer FromJson(byte[] utf8Json, string source = "tokenizer.json")
    {
        var json = TokenizerJson.Parse(utf8Json, source);
        try
        {
            return new QwenTokenizer(json);
        }
        catch (Exception e) when (e is KeyNotFoundException or ArgumentException or InvalidOperationException or FormatException)
        {
            // What the BPE library or the special-token lookup refuses, named with the file it came from.
            throw new InvalidDataException($"{source}: {e.Message}", e);
        }
    }

    /// <summary>Highest token id + 1 (vocabulary plus added tokens). The model's embedding may have more rows.</summary>
    public int VocabSize { get; }

    /// <summary>&lt;|endoftext|&gt;: end of document and the pad token.</summary>
    public int EndOfTextId { get; }
    public int PadId => EndOfTextId;
    public int ImStartId { get; }
    /// <summary>&lt;|im_end|&gt;: end of a chat turn and tokenizer_config's eos_token for Qwen2.5 and Qwen3.</summary>
    public int ImEndId { get; }
    public int EosId => ImEndId;
    /// <summary>&lt;think&gt; / &lt;/think&gt;: present in Qwen3's vocabulary only.</summary>
    public int? ThinkId { get; }
    public int? ThinkEndId { get; }

    /// <summary>Ids that end generation for chat models (Qwen's generation_config: im_end and endoftext).</summary>
    public IReadOnlyList<int> DefaultStopTokenIds => [ImEndId, EndOfTextId];

    /// <summary>Encodes text in which added-token strings (&lt;|im_start|&gt; ...) become their ids: for templates,
    /// never for untrusted user text (use <see cref="EncodeLiteral"/> or a <see cref="ChatPrompt"/>).</summary>
    public int[] Encode(string text) => Encode(text, literal: null);

    /// <summary>Encodes untrusted text: added-token strings are encoded as ordinary text, never as their ids. This is
    /// stricter than Hugging Face's split_special_tokens=True, which still maps non-special added tokens such as
    /// &lt;think&gt; and &lt;tool_call&gt;; here no added token can be injected.</summary>
    public int[] EncodeLiteral(string untrustedText)
    {
        ArgumentNullException.ThrowIfNull(untrustedText);
        var ids = new List<int>();
        EncodeOrdinary(untrustedText, ids);
        return [.. ids];
    }

    /// <summary>Encodes a rendered chat prompt: added tokens are parsed only in the template's own text, message
    /// contents are literal. Same ids as Hugging Face's tokenization of the whole text when the contents hold no
    /// added-token strings.</summary>
    public int[] Encode(ChatPrompt prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var literal = new bool[prompt.Text.Length];
        foreach (Range span in prompt.ContentSpans)
        {
            (int offset, int length) = span.GetOffsetAndLength(prompt.Text.Length);
            Array.Fill(literal, true, offset, length);
        }
        return Encode(prompt.Text, literal);
    }

    int[] Encode(string text, bool[]? literal)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        int position = 0;
        while (_matcher.FindNext(text, position, literal) is (int index, AddedToken token))
        {
            EncodeOrdinary(text[position..index], ids);
            ids.Add(token.Id);
            position = index + token.Content.Length;
        }
        EncodeOrdinary(text[position..], ids);
        return [.. ids];
    }

    void EncodeOrdinary(string segment, List<int> ids)
    {
        if (segment.Length == 0)
            return;
        if (_nfc)
            segment = NfcNormalizer.Normalize(segment);
        ids.AddRange(_bpe.EncodeToIds(segment, considerPreTokenization: true, considerNormalization: false));
    }

    /// <summary>Decodes ids to text like Hugging Face (invalid UTF-8 becomes U+FFFD). With
    /// <paramref name="skipSpecialTokens"/>, added tokens flagged special are dropped (&lt;think&gt; is not special).</summary>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            if (!skipSpecialTokens || !IsSpecial(id))
                bytes.AddRange(Bytes(id));
        }
        return Utf8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes));
    }

    /// <summary>The UTF-8 bytes a token stands for (a piece of a character for many byte-level tokens).</summary>
    public ReadOnlySpan<byte> Bytes(int id)
    {
        if ((uint)id >= (uint)VocabSize || _bytesById[id] is not { } bytes)
            throw new ArgumentOutOfRangeException(nameof(id), id,
                $"Token id {id} is not in this tokenizer (ids 0..{VocabSize - 1}). The model's embedding may have more rows than the tokenizer: restrict sampling to the first {VocabSize} logits.");
        return bytes;
    }

    /// <summary>True for added tokens flagged "special" in tokenizer.json.</summary>
    public bool IsSpecial(int id) => (uint)id < (uint)_specialById.Length && _specialById[id];

    /// <summary>Id of an added token (e.g. "&lt;|im_end|&gt;") or of a vocabulary entry in its byte-level spelling.</summary>
    public int TokenId(string token) => TryGetTokenId(token, out int id)
        ? id
        : throw new KeyNotFoundException($"Token '{token}' is neither an added token nor a vocabulary entry of this tokenizer.");

    public bool TryGetTokenId(string token, out int id) =>
        _addedByContent.TryGetValue(token, out id) || _vocabulary.TryGetValue(token, out id);

    /// <summary>Hugging Face's ByteLevel decoder rule: a token made only of byte-alphabet characters stands for those
    /// bytes; any other token (one holding a plain space or a character beyond the alphabet) for its UTF-8.</summary>
    static byte[] TokenBytes(string token)
    {
        var bytes = new List<byte>(token.Length);
        return ByteLevelAlphabet.TryToBytes(token, bytes) ? [.. bytes] : Encoding.UTF8.GetBytes(token);
    }
}
