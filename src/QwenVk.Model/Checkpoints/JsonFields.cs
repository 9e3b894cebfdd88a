using System.Text.Json;

namespace QwenVk.Model.Checkpoints;

/// <summary>Typed reads of one JSON object's fields, with errors that name the file, the field and the value found.
/// A field that is absent or JSON null takes the given default.</summary>
sealed class JsonFields(JsonElement obj, string file, string prefix = "")
{
    public string File { get; } = file;

    public static JsonDocument Parse(string file)
    {
        string text;
        try { text = System.IO.File.ReadAllText(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidDataException($"{file}: cannot be read ({e.Message}).", e);
        }
        try
        {
            var doc = JsonDocument.Parse(text, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{file}: the top level is {doc.RootElement.ValueKind}, expected a JSON object.");
            return doc;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: not valid JSON ({e.Message}). Re-download the file.", e);
        }
    }

    /// <summary>Runs a reader over a parsed file and names the file in what System.Text.Json throws for a value of
    /// the wrong kind or a string that does not decode (a lone surrogate escape): the reads here check kinds, but
    /// a reader is one unchecked GetString away from an unexplained InvalidOperationException.</summary>
    public static T Guard<T>(string file, Func<T> read)
    {
        try { return read(); }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{file}: a value has the wrong JSON type, is out of range or is not valid text ({e.Message}).", e);
        }
    }

    public string Name(string field) => prefix + field;

    public bool Has(string field) => obj.TryGetProperty(field, out var v) && v.ValueKind != JsonValueKind.Null;

    public JsonElement? Get(string field) =>
        obj.TryGetProperty(field, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public InvalidDataException Invalid(string field, string what) =>
        new($"{File}: field \"{Name(field)}\" {what}");

    public NotSupportedException Unsupported(string field, string what) =>
        new($"{File}: field \"{Name(field)}\" {what}");

    public int? IntOrNull(string field)
    {
        if (Get(field) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)) return i;
        // transformers writes some integers as floats (e.g. 32768.0) in older configs.
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out double d) && d == Math.Floor(d) && Math.Abs(d) <= int.MaxValue) return (int)d;
        throw Invalid(field, $"is {v.GetRawText()}, expected an integer.");
    }

    public int Int(string field, int fallback) => IntOrNull(field) ?? fallback;

    public int PositiveInt(string field, int fallback)
    {
        int v = Int(field, fallback);
        if (v <= 0) throw Invalid(field, $"is {v}, expected a positive integer.");
        return v;
    }

    public double? DoubleOrNull(string field)
    {
        if (Get(field) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.Number) return v.GetDouble();
        throw Invalid(field, $"is {v.GetRawText()}, expected a number.");
    }

    public double Double(string field, double fallback) => DoubleOrNull(field) ?? fallback;

    public bool Bool(string field, bool fallback)
    {
        if (Get(field) is not { } v) return fallback;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Invalid(field, $"is {v.GetRawText()}, expected true or false."),
        };
    }

    public string? StringOrNull(string field)
    {
        if (Get(field) is not { } v) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        throw Invalid(field, $"is {v.GetRawText()}, expected a string.");
    }

    /// <summary>An integer or a list of integers (eos_token_id may be either); empty when absent.</summary>
    public int[] IntOrIntList(string field)
    {
        if (Get(field) is not { } v) return [];
        if (v.ValueKind == JsonValueKind.Array)
        {
            var list = new List<int>();
            foreach (var e in v.EnumerateArray())
            {
                if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out int i))
                    throw Invalid(field, $"is {v.GetRawText()}, expected an integer or a list of integers.");
                list.Add(i);
            }
            return list.ToArray();
        }
        return [IntOrNull(field)!.Value];
    }
}
