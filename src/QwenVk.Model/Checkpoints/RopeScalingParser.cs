using System.Text.Json;

namespace QwenVk.Model.Checkpoints;

/// <summary>Reads rope_theta and the rope scaling dictionary from config.json. transformers 4.x writes
/// <c>rope_theta</c> and <c>rope_scaling</c> ({"type"|"rope_type": ..., "factor": ...}); 5.x writes
/// <c>rope_parameters</c> holding rope_theta and rope_type together. Both are read.</summary>
static class RopeScalingParser
{
    public static (double Theta, RopeScaling Scaling) Parse(JsonFields f, int maxPositions)
    {
        double theta = f.Double("rope_theta", 10000.0);
        RopeScaling scaling = RopeScaling.None;
        string? field = f.Has("rope_scaling") ? "rope_scaling" : f.Has("rope_parameters") ? "rope_parameters" : null;
        if (field is not null)
        {
            var obj = f.Get(field)!.Value;
            if (obj.ValueKind != JsonValueKind.Object)
                throw f.Invalid(field, $"is {obj.GetRawText()}, expected null or an object.");
            var r = new JsonFields(obj, f.File, field + ".");
            if (r.DoubleOrNull("rope_theta") is { } t) theta = t;
            scaling = ParseScaling(r, maxPositions);
            if (r.DoubleOrNull("partial_rotary_factor") is { } p && p != 1.0)
                throw r.Unsupported("partial_rotary_factor", $"is {p}; Qwen rotates the whole head (1.0).");
        }
        if (!(theta > 1)) throw f.Invalid("rope_theta", $"is {theta}, expected a number above 1.");
        return (theta, scaling);
    }

    static RopeScaling ParseScaling(JsonFields r, int maxPositions)
    {
        string typeField = r.Has("rope_type") ? "rope_type" : "type";
        string type = r.StringOrNull(typeField) ?? "default";
        var kind = type switch
        {
            "default" => RopeScalingKind.None,
            "linear" => RopeScalingKind.Linear,
            "dynamic" => RopeScalingKind.Dynamic,
            "yarn" => RopeScalingKind.Yarn,
            _ => throw r.Unsupported(typeField, $"is \"{type}\"; supported rope types: default, linear, dynamic, yarn."),
        };
        if (kind == RopeScalingKind.None) return RopeScaling.None;

        double? factor = r.DoubleOrNull("factor");
        int? original = r.IntOrNull("original_max_position_embeddings");
        if (factor is null && !(kind == RopeScalingKind.Yarn && original is not null))
            throw r.Invalid("factor", $"is missing; rope type \"{type}\" needs a scaling factor.");
        if (factor is { } fa && !(fa >= 1.0))
            throw r.Invalid("factor", $"is {fa}; expected a number >= 1.");
        if (original is <= 0) throw r.Invalid("original_max_position_embeddings", $"is {original}, expected a positive integer.");

        var s = new RopeScaling
        {
            Kind = kind,
            Factor = factor ?? (double)maxPositions / original!.Value,
            OriginalMaxPositionEmbeddings = original,
            AttentionFactor = r.DoubleOrNull("attention_factor"),
            BetaFast = r.DoubleOrNull("beta_fast"),
            BetaSlow = r.DoubleOrNull("beta_slow"),
            Mscale = r.DoubleOrNull("mscale"),
            MscaleAllDim = r.DoubleOrNull("mscale_all_dim"),
            Truncate = r.Bool("truncate", true),
        };
        if (s.AttentionFactor is <= 0) throw r.Invalid("attention_factor", $"is {s.AttentionFactor}, expected a positive number.");
        return s;
    }
}
