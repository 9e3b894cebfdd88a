using QwenVk.Runtime.Kernels;

namespace QwenVk.Model.Checkpoints;

/// <summary>The Hugging Face tensor names of a Qwen2/Qwen3 checkpoint, in one place, and the shape config.json
/// implies for each (PyTorch Linear layout: [out_features, in_features]).</summary>
public static class QwenWeights
{
    public const string Embeddings = "model.embed_tokens.weight";
    public const string FinalNorm = "model.norm.weight";
    public const string LmHead = "lm_head.weight";

    public static string Layer(int i, string part) => $"model.layers.{i}.{part}";
    public static string InputNorm(int i) => Layer(i, "input_layernorm.weight");
    public static string PostAttentionNorm(int i) => Layer(i, "post_attention_layernorm.weight");
    public static string QProj(int i) => Layer(i, "self_attn.q_proj.weight");
    public static string KProj(int i) => Layer(i, "self_attn.k_proj.weight");
    public static string VProj(int i) => Layer(i, "self_attn.v_proj.weight");
    public static string OProj(int i) => Layer(i, "self_attn.o_proj.weight");
    public static string QBias(int i) => Layer(i, "self_attn.q_proj.bias");
    public static string KBias(int i) => Layer(i, "self_attn.k_proj.bias");
    public static string VBias(int i) => Layer(i, "self_attn.v_proj.bias");
    public static string OBias(int i) => Layer(i, "self_attn.o_proj.bias");
    public static string QNorm(int i) => Layer(i, "self_attn.q_norm.weight");
    public static string KNorm(int i) => Layer(i, "self_attn.k_norm.weight");
    public static string Gate(int i) => Layer(i, "mlp.gate_proj.weight");
    public static string Up(int i) => Layer(i, "mlp.up_proj.weight");
    public static string Down(int i) => Layer(i, "mlp.down_proj.weight");

    /// <summary>A tensor the checkpoint must hold, its shape, and the config.json fields that shape comes from.</summary>
    public sealed record Expected(string Name, long[] Shape, string ShapeFrom)
    {
        public string ShapeText => "[" + string.Join(", ", Shape) + "]";
    }

    /// <summary>Every tensor config.json implies, in model order. lm_head.weight is listed only when untied.</summary>
    public static IReadOnlyList<Expected> For(QwenConfig c)
    {
        long h = c.HiddenSize, v = c.VocabSize, ff = c.IntermediateSize, q = c.QueryDim, kv = c.KeyValueDim, d = c.HeadDim;
        var list = new List<Expected> { new(Embeddings, [v, h], "[vocab_size, hidden_size]") };
        for (int i = 0; i < c.NumHiddenLayers; i++)
        {
            list.Add(new(InputNorm(i), [h], "[hidden_size]"));
            list.Add(new(QProj(i), [q, h], "[num_attention_heads * head_dim, hidden_size]"));
            list.Add(new(KProj(i), [kv, h], "[num_key_value_heads * head_dim, hidden_size]"));
            list.Add(new(VProj(i), [kv, h], "[num_key_value_heads * head_dim, hidden_size]"));
            if (c.AttentionBias)
            {
                list.Add(new(QBias(i), [q], "[num_attention_heads * head_dim]"));
                list.Add(new(KBias(i), [kv], "[num_key_value_heads * head_dim]"));
                list.Add(new(VBias(i), [kv], "[num_key_value_heads * head_dim]"));
            }
            list.Add(new(OProj(i), [h, q], "[hidden_size, num_attention_heads * head_dim]"));
            if (c.OutputProjectionBias) list.Add(new(OBias(i), [h], "[hidden_size]"));
            if (c.QkNorm)
            {
                list.Add(new(QNorm(i), [d], "[head_dim]"));
                list.Add(new(KNorm(i), [d], "[head_dim]"));
            }
            list.Add(new(PostAttentionNorm(i), [h], "[hidden_size]"));
            list.Add(new(Gate(i), [ff, h], "[intermediate_size, hidden_size]"));
            list.Add(new(Up(i), [ff, h], "[intermediate_size, hidden_size]"));
            list.Add(new(Down(i), [h, ff], "[hidden_size, intermediate_size]"));
        }
        list.Add(new(FinalNorm, [h], "[hidden_size]"));
        if (!c.TieWordEmbeddings) list.Add(new(LmHead, [v, h], "[vocab_size, hidden_size]"));
        return list;
    }

    /// <summary>Projections that read the same input, stored in one GPU buffer so they run as one product (q/k/v and
    /// their biases in decode, one after another; gate/up always, their rows interleaved in blocks of
    /// <see cref="BlockRows"/> as the stacked SwiGLU kernels read them). Names are QwenVk's own, never a checkpoint's.</summary>
    /// <param name="BlockRows">0: members one after another, each usable alone; else rows of the (equally shaped)
    /// members alternate in blocks of this many, and the members exist only as the stack.</param>
    public sealed record Stack(string Name, string[] Members, int BlockRows = 0);

    public static string QkvProj(int i) => $"qwenvk.layers.{i}.qkv_proj.weight";
    public static string QkvBias(int i) => $"qwenvk.layers.{i}.qkv_proj.bias";
    public static string GateUp(int i) => $"qwenvk.layers.{i}.gate_up_proj.weight";

    public static IReadOnlyList<Stack> Stacks(QwenConfig c)
    {
        var list = new List<Stack>();
        for (int i = 0; i < c.NumHiddenLayers; i++)
        {
            list.Add(new(QkvProj(i), [QProj(i), KProj(i), VProj(i)]));
            if (c.AttentionBias) list.Add(new(QkvBias(i), [QBias(i), KBias(i), VBias(i)]));
            list.Add(new(GateUp(i), [Gate(i), Up(i)], SiluMulKernel.StackedBlockRows));
        }
        return list;
    }

    /// <summary>Each projection that reads an RMSNorm's output, and that norm: the norm's weight is folded into the
    /// projection's columns on upload (W diag(g) x / rms = W (g * x / rms)), so the GPU normalizes without a weight and
    /// decode can take the norm into the product. The final norm stays apart: its reader, a tied lm_head, is the
    /// embedding table too.</summary>
    public static IReadOnlyDictionary<string, string> NormFolds(QwenConfig c)
    {
        var folds = new Dictionary<string, string>();
        for (int i = 0; i < c.NumHiddenLayers; i++)
        {
            foreach (var p in new[] { QProj(i), KProj(i), VProj(i) }) folds[p] = InputNorm(i);
            foreach (var p in new[] { Gate(i), Up(i) }) folds[p] = PostAttentionNorm(i);
        }
        return folds;
    }

    /// <summary>The weights a GPTQ / AWQ checkpoint stores packed (<see cref="PackedWeight"/>): every layer's seven
    /// projections; empty for a float checkpoint. Embeddings, lm_head, norms and biases stay float tensors.</summary>
    public static IReadOnlySet<string> Packed(QwenConfig c)
    {
        var set = new HashSet<string>();
        if (c.Quantization is null) return set;
        for (int i = 0; i < c.NumHiddenLayers; i++)
            set.UnionWith([QProj(i), KProj(i), VProj(i), OProj(i), Gate(i), Up(i), Down(i)]);
        return set;
    }

    /// <summary>Where the output projection comes from: lm_head.weight, or the embeddings when tied.</summary>
    public static string OutputWeights(QwenConfig c) => c.TieWordEmbeddings ? Embeddings : LmHead;
}
