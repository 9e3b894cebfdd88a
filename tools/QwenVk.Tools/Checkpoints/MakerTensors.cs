namespace QwenVk.Tools.Checkpoints;

/// <summary>One tensor the maker writes: name, shape, and how its values are drawn (mean + std * normal).</summary>
public sealed record MakerTensor(string Name, long[] Shape, double Mean, double Std)
{
    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>The tensors of a Hugging Face Qwen2/Qwen3 checkpoint, in the order transformers' modules define them,
/// with scales chosen so activations stay O(1) through the layers and the MLP and attention outputs outweigh the
/// embedding in the residual stream (otherwise a tied head just repeats the input token greedily).</summary>
static class MakerTensors
{
    const double EmbeddingStd = 0.5;
    const double MlpGain = 3.0;
    const double BiasStd = 0.1;
    const double NormStd = 0.1;

    public static List<MakerTensor> For(CheckpointSpec s)
    {
        long h = s.HiddenSize, ff = s.IntermediateSize, d = s.ResolvedHeadDim, q = s.Heads * d, kv = s.KeyValueHeads * d;
        var list = new List<MakerTensor> { new("model.embed_tokens.weight", [s.VocabSize, h], 0, EmbeddingStd) };
        MakerTensor Linear(string name, long outF, long inF, double gain = 1) => new(name, [outF, inF], 0, gain / Math.Sqrt(inF));
        MakerTensor Norm(string name, long n) => new(name, [n], 1, NormStd);
        MakerTensor Bias(string name, long n) => new(name, [n], 0, BiasStd);
        bool qkvBias = s.Architecture == MakerArchitecture.Qwen2 || s.AttentionBias;
        for (int i = 0; i < s.Layers; i++)
        {
            string p = $"model.layers.{i}.";
            list.Add(Linear(p + "self_attn.q_proj.weight", q, h));
            if (qkvBias) list.Add(Bias(p + "self_attn.q_proj.bias", q));
            list.Add(Linear(p + "self_attn.k_proj.weight", kv, h));
            if (qkvBias) list.Add(Bias(p + "self_attn.k_proj.bias", kv));
            list.Add(Linear(p + "self_attn.v_proj.weight", kv, h));
            if (qkvBias) list.Add(Bias(p + "self_attn.v_proj.bias", kv));
            list.Add(Linear(p + "self_attn.o_proj.weight", h, q));
            if (s.Architecture == MakerArchitecture.Qwen3 && s.AttentionBias) list.Add(Bias(p + "self_attn.o_proj.bias", h));
            if (s.Architecture == MakerArchitecture.Qwen3)
            {
                list.Add(Norm(p + "self_attn.q_norm.weight", d));
                list.Add(Norm(p + "self_attn.k_norm.weight", d));
            }
            list.Add(Linear(p + "mlp.gate_proj.weight", ff, h, MlpGain));
            list.Add(Linear(p + "mlp.up_proj.weight", ff, h, MlpGain));
            list.Add(Linear(p + "mlp.down_proj.weight", h, ff, MlpGain));
            list.Add(Norm(p + "input_layernorm.weight", h));
            list.Add(Norm(p + "post_attention_layernorm.weight", h));
        }
        list.Add(Norm("model.norm.weight", h));
        if (!s.TieWordEmbeddings) list.Add(new("lm_head.weight", [s.VocabSize, h], 0, EmbeddingStd));
        return list;
    }
}
