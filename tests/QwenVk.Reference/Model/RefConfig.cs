using System.Text.Json;

namespace QwenVk.Reference.Model;

/// <summary>The few config.json fields the reference forward pass needs, read independently of QwenVk.Model.</summary>
public sealed record RefConfig(
    bool Qwen3, int Vocab, int Hidden, int Intermediate, int Layers, int Heads, int KvHeads, int HeadDim,
    double Eps, double RopeTheta, double RopeLinearFactor, bool Tied, bool QkvBias, bool OBias, int? SlidingWindow, int MaxWindowLayers)
{
    public static RefConfig Load(string path)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var r = doc.RootElement;
        bool Has(string k) => r.TryGetProperty(k, out var v) && v.ValueKind != JsonValueKind.Null;
        int Int(string k, int d) => Has(k) ? r.GetProperty(k).GetInt32() : d;
        double Dbl(string k, double d) => Has(k) ? r.GetProperty(k).GetDouble() : d;
        bool Bool(string k, bool d) => Has(k) ? r.GetProperty(k).GetBoolean() : d;

        string arch = r.GetProperty("architectures")[0].GetString()!;
        bool qwen3 = arch switch
        {
            "Qwen2ForCausalLM" => false,
            "Qwen3ForCausalLM" => true,
            _ => throw new NotSupportedException($"{path}: reference supports Qwen2/Qwen3, not {arch}"),
        };
        int hidden = Int("hidden_size", 4096), heads = Int("num_attention_heads", 32);
        double linear = 1;
        if (Has("rope_scaling"))
        {
            var s = r.GetProperty("rope_scaling");
            string type = s.TryGetProperty("rope_type", out var t) ? t.GetString()! : s.GetProperty("type").GetString()!;
            if (type == "linear") linear = s.GetProperty("factor").GetDouble();
            else if (type != "default") throw new NotSupportedException($"{path}: reference implements rope scaling default/linear, not {type}");
        }
        bool attnBias = Bool("attention_bias", false);
        int layers = Int("num_hidden_layers", 32);
        return new RefConfig(
            qwen3, Int("vocab_size", 151936), hidden, Int("intermediate_size", 22016), layers, heads,
            Int("num_key_value_heads", heads), Int("head_dim", qwen3 ? 128 : hidden / heads),
            Dbl("rms_norm_eps", 1e-6), Dbl("rope_theta", 10000), linear, Bool("tie_word_embeddings", false),
            QkvBias: !qwen3 || attnBias, OBias: qwen3 && attnBias,
            SlidingWindow: Bool("use_sliding_window", false) ? Int("sliding_window", 4096) : null,
            MaxWindowLayers: Int("max_window_layers", 28));
    }
}
