using System.Globalization;
using System.Text;
using System.Text.Json;

namespace QwenVk.Tools.Checkpoints;

/// <summary>config.json and generation_config.json as transformers 4.51 writes them for Qwen2/Qwen3: sorted keys,
/// two-space indent, Python-style floats (1000000.0, 1e-06).</summary>
static class MakerConfigJson
{
    const string TransformersVersion = "4.51.3";

    public static string Config(CheckpointSpec s)
    {
        bool qwen3 = s.Architecture == MakerArchitecture.Qwen3;
        var fields = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["architectures"] = new[] { qwen3 ? "Qwen3ForCausalLM" : "Qwen2ForCausalLM" },
            ["attention_dropout"] = 0.0,
            ["bos_token_id"] = s.Bos,
            ["eos_token_id"] = s.Eos.Length == 1 ? s.Eos[0] : s.Eos,
            ["hidden_act"] = "silu",
            ["hidden_size"] = s.HiddenSize,
            ["initializer_range"] = 0.02,
            ["intermediate_size"] = s.IntermediateSize,
            ["max_position_embeddings"] = s.MaxPositionEmbeddings,
            ["max_window_layers"] = s.Layers,
            ["model_type"] = qwen3 ? "qwen3" : "qwen2",
            ["num_attention_heads"] = s.Heads,
            ["num_hidden_layers"] = s.Layers,
            ["num_key_value_heads"] = s.KeyValueHeads,
            ["rms_norm_eps"] = s.RmsNormEps,
            ["rope_scaling"] = null,
            ["rope_theta"] = s.RopeTheta,
            ["sliding_window"] = qwen3 ? null : s.MaxPositionEmbeddings,
            ["tie_word_embeddings"] = s.TieWordEmbeddings,
            ["torch_dtype"] = MakerEncoding.TorchName(s.DType),
            ["transformers_version"] = TransformersVersion,
            ["use_cache"] = true,
            ["use_sliding_window"] = false,
            ["vocab_size"] = s.VocabSize,
        };
        if (qwen3)
        {
            fields["attention_bias"] = s.AttentionBias;
            fields["head_dim"] = s.ResolvedHeadDim;
        }
        else if (s.HeadDim is { } hd && hd != s.HiddenSize / s.Heads) fields["head_dim"] = hd;
        return Write(fields);
    }

    public static string Generation(CheckpointSpec s)
    {
        var fields = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["bos_token_id"] = s.Bos,
            ["eos_token_id"] = s.Eos.Length == 1 ? s.Eos[0] : s.Eos,
            ["do_sample"] = s.Sampling is not null,
            ["transformers_version"] = TransformersVersion,
        };
        if (s.Sampling is not null)
        {
            fields["pad_token_id"] = s.Bos;
            foreach (var (k, v) in s.Sampling) fields[k] = k == "top_k" ? (int)v : v;
        }
        return Write(fields);
    }

    static string Write(SortedDictionary<string, object?> fields)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            foreach (var (k, v) in fields)
            {
                w.WritePropertyName(k);
                Value(w, v);
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray()) + "\n";
    }

    static void Value(Utf8JsonWriter w, object? v)
    {
        switch (v)
        {
            case null: w.WriteNullValue(); break;
            case bool b: w.WriteBooleanValue(b); break;
            case int i: w.WriteNumberValue(i); break;
            case double d: w.WriteRawValue(PythonFloat(d)); break;
            case string s: w.WriteStringValue(s); break;
            case int[] a:
                w.WriteStartArray();
                foreach (int x in a) w.WriteNumberValue(x);
                w.WriteEndArray();
                break;
            case string[] a:
                w.WriteStartArray();
                foreach (string x in a) w.WriteStringValue(x);
                w.WriteEndArray();
                break;
            default: throw new ArgumentException(v.GetType().Name);
        }
    }

    static string PythonFloat(double d)
    {
        if (d == Math.Floor(d) && Math.Abs(d) < 1e16) return d.ToString("F1", CultureInfo.InvariantCulture);
        return d.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e");
    }
}
