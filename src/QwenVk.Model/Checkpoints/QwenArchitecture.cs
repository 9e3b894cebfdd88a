namespace QwenVk.Model.Checkpoints;

/// <summary>The Hugging Face architectures this project runs. Qwen2 covers Qwen2 and Qwen2.5 (same class).</summary>
public enum QwenArchitecture
{
    /// <summary><c>Qwen2ForCausalLM</c>: q/k/v projections always carry a bias; no q/k norms.</summary>
    Qwen2,

    /// <summary><c>Qwen3ForCausalLM</c>: per-head RMSNorm on q and k before RoPE; bias only when attention_bias.</summary>
    Qwen3,
}
