using System.Text.Json;

namespace QwenVk.Model.Text;

/// <summary>The parts of a Hugging Face tokenizer.json that a Qwen byte-level BPE tokenizer needs, checked so that
/// a file of another kind fails loudly instead of tokenizing wrongly.</summary>
sealed class TokenizerJson
{
    public required Dictionary<string, int> Vocabulary { get; init; }
    public required List<string> Merges { get; init; }
    public required List<AddedToken> AddedTokens { get; init; }
    public required bool NfcNormalizer { get; init; }

    public static TokenizerJson Parse(byte[] utf8Json, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not valid JSON ({e.Message}). Expected a Hugging Face tokenizer.json.", e);
        }
        using (doc)
        {
            try
            {
                return Read(doc.RootElement, source);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or KeyNotFoundException or ArgumentException)
            {
                // A kind the reads below do not check (a number where a string belongs, a string that does not decode).
                throw new InvalidDataException($"{source}: not a usable Hugging Face tokenizer.json: a value has the wrong JSON type or is not valid text ({e.Message}).", e);
            }
        }
    }

    /// <summary>Ids above this are refused: the tokenizer keeps a table indexed by id (Qwen's highest is 151668).</summary>
    public const int MaxTokenId = (1 << 22) - 1;

    static TokenizerJson Read(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source}: the top level is a JSON {root.ValueKind}, expected the object of a Hugging Face tokenizer.json.");
        JsonElement model = Required(root, "model", source);
        if (model.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source}: field 'model' is a JSON {model.ValueKind}, expected an object (type, vocab, merges).");
        string modelType = model.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() ?? "" : "";
        if (modelType != "BPE")
            throw new NotSupportedException($"{source}: model.type is '{modelType}', only byte-level BPE (Qwen2/2.5/3) tokenizers are supported.");
        if (model.TryGetProperty("byte_fallback", out var bf) && bf.ValueKind == JsonValueKind.True)
            throw new NotSupportedException($"{source}: model.byte_fallback = true is not supported (Qwen tokenizers use the byte-level alphabet instead).");
        RequireEmptyString(model, "continuing_subword_prefix", source);
        RequireEmptyString(model, "end_of_word_suffix", source);
        CheckDecoder(root, source);
        CheckPreTokenizer(root, source);

        var vocabulary = ReadVocabulary(Required(model, "vocab", source), source);
        return new TokenizerJson
        {
            Vocabulary = vocabulary,
            Merges = ReadMerges(Required(model, "merges", source), vocabulary, source),
            AddedTokens = ReadAddedTokens(root, source),
            NfcNormalizer = ReadNormalizer(root, source),
        };
    }

    static JsonElement Required(JsonElement parent, string name, string source)
    {
        if (!parent.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            throw new InvalidDataException($"{source}: missing field '{name}'. Expected a Hugging Face tokenizer.json.");
        return value;
    }

    static void RequireEmptyString(JsonElement parent, string name, string source)
    {
        if (parent.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s)
            throw new NotSupportedException($"{source}: model.{name} = '{s}' is not supported (Qwen tokenizers have none).");
    }

    static void CheckDecoder(JsonElement root, string source)
    {
        if (!root.TryGetProperty("decoder", out var decoder) || decoder.ValueKind == JsonValueKind.Null)
            return;
        string type = decoder.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        if (type != "ByteLevel")
            throw new NotSupportedException($"{source}: decoder.type is '{type}', only the ByteLevel decoder is supported.");
    }

    /// <summary>The regex split is implemented by <see cref="QwenPreTokenizer"/> (with astral-plane fixes), so
    /// the file must use exactly Qwen's pattern followed by a regex-less ByteLevel step.</summary>
    static void CheckPreTokenizer(JsonElement root, string source)
    {
        JsonElement pre = Required(root, "pre_tokenizer", source);
        string? pattern = null;
        bool byteLevel = false;
        if (pre.TryGetProperty("pretokenizers", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement step in list.EnumerateArray())
            {
                string type = step.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
                if (type == "Split" && step.TryGetProperty("pattern", out var p) && p.TryGetProperty("Regex", out var r))
                    pattern = r.GetString();
                else if (type == "ByteLevel")
                    byteLevel = !(step.TryGetProperty("use_regex", out var ur) && ur.ValueKind == JsonValueKind.True);
            }
        }
        if (pattern != QwenPreTokenizer.QwenPattern || !byteLevel)
            throw new NotSupportedException(
                $"{source}: pre_tokenizer is not Qwen's (Split with pattern {QwenPreTokenizer.QwenPattern} then ByteLevel with use_regex=false); found pattern '{pattern ?? "(none)"}'. Only Qwen2/2.5/3 tokenizers are supported.");
    }

    static bool ReadNormalizer(JsonElement root, string source)
    {
        if (!root.TryGetProperty("normalizer", out var n) || n.ValueKind == JsonValueKind.Null)
            return false;
        string type = n.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
        return type == "NFC"
            ? true
            : throw new NotSupportedException($"{source}: normalizer.type '{type}' is not supported (Qwen uses NFC or none).");
    }

    static Dictionary<string, int> ReadVocabulary(JsonElement vocab, string source)
    {
        if (vocab.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{source}: model.vocab must be an object of token -> id.");
        var result = new Dictionary<string, int>(200_000, StringComparer.Ordinal);
        foreach (JsonProperty entry in vocab.EnumerateObject())
            result[entry.Name] = Id(entry.Value, $"model.vocab entry \"{entry.Name}\"", source);
        if (result.Count == 0)
            throw new InvalidDataException($"{source}: model.vocab is empty; a BPE tokenizer needs its vocabulary.");
        return result;
    }

    static int Id(JsonElement value, string what, string source)
    {
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int id) || id < 0 || id > MaxTokenId)
            throw new InvalidDataException($"{source}: {what} has id {value.GetRawText()}, expected an integer in 0..{MaxTokenId}.");
        return id;
    }

    /// <summary>Accepts both merges layouts: "a b" strings (older files) and ["a", "b"] pairs (tokenizers >= 0.20).
    /// Byte-level tokens never contain a plain space, so joining a pair with one space is unambiguous.</summary>
    static List<string> ReadMerges(JsonElement merges, Dictionary<string, int> vocabulary, string source)
    {
        if (merges.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{source}: model.merges must be an array.");
        var result = new List<string>(merges.GetArrayLength());
        foreach (JsonElement merge in merges.EnumerateArray())
        {
            string? left = null, right = null;
            if (merge.ValueKind == JsonValueKind.String && merge.GetString()!.Split(' ') is [{ Length: > 0 } a, { Length: > 0 } b])
                (left, right) = (a, b);
            else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
                     && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
                (left, right) = (merge[0].GetString()!, merge[1].GetString()!);
            if (left is null || right is null)
                throw new InvalidDataException($"{source}: model.merges entry #{result.Count} is {merge.GetRawText()}, neither \"a b\" (two tokens, one space) nor [\"a\", \"b\"].");
            // Hugging Face refuses these too: a merge can only join known tokens into a known token.
            foreach (var token in new[] { left, right, left + right })
                if (!vocabulary.ContainsKey(token))
                    throw new InvalidDataException($"{source}: model.merges entry #{result.Count} ({merge.GetRawText()}) uses \"{token}\", which is not in model.vocab.");
            result.Add(left + " " + right);
        }
        return result;
    }

    static List<AddedToken> ReadAddedTokens(JsonElement root, string source)
    {
        var result = new List<AddedToken>();
        if (!root.TryGetProperty("added_tokens", out var added) || added.ValueKind != JsonValueKind.Array)
            return result;
        foreach (JsonElement token in added.EnumerateArray())
        {
            if (token.ValueKind != JsonValueKind.Object || Required(token, "content", source) is not { ValueKind: JsonValueKind.String } c || c.GetString() is not { Length: > 0 } content)
                throw new InvalidDataException($"{source}: added_tokens entry #{result.Count} is {token.GetRawText()}, expected an object with a non-empty content string and an id.");
            foreach (string flag in new[] { "single_word", "lstrip", "rstrip", "normalized" })
            {
                if (token.TryGetProperty(flag, out var f) && f.ValueKind == JsonValueKind.True)
                    throw new NotSupportedException($"{source}: added token '{content}' has {flag} = true, which this tokenizer does not implement (Qwen's added tokens have it false).");
            }
            bool special = token.TryGetProperty("special", out var s) && s.ValueKind == JsonValueKind.True;
            result.Add(new AddedToken(Id(Required(token, "id", source), $"added token \"{content}\"", source), content, special));
        }
        return result;
    }
}
