namespace QwenVk.Model.Checkpoints;

public enum RopeScalingKind
{
    None,
    Linear,
    Dynamic,
    Yarn,
}

/// <summary>config.json's <c>rope_scaling</c> (transformers 4.x) or <c>rope_parameters</c> (5.x). Fields a kind
/// does not use stay null.</summary>
public sealed record RopeScaling
{
    public static readonly RopeScaling None = new() { Kind = RopeScalingKind.None, Factor = 1.0 };

    public required RopeScalingKind Kind { get; init; }

    /// <summary>Context extension factor. For yarn, null means "max_position_embeddings / original".</summary>
    public double? Factor { get; init; }

    public int? OriginalMaxPositionEmbeddings { get; init; }

    /// <summary>Yarn: multiplies cos and sin; null means derived from the factor (and mscale/mscale_all_dim).</summary>
    public double? AttentionFactor { get; init; }

    public double? BetaFast { get; init; }
    public double? BetaSlow { get; init; }
    public double? Mscale { get; init; }
    public double? MscaleAllDim { get; init; }

    /// <summary>Yarn: round the correction range outwards to whole dimensions (Hugging Face's default true).</summary>
    public bool Truncate { get; init; } = true;
}
