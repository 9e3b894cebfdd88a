namespace QwenVk.Reference.Model;

/// <summary>A plain double-precision Qwen2/Qwen3 forward pass written from the architecture (transformers'
/// modeling_qwen2.py / modeling_qwen3.py), sharing no code with QwenVk.Model. Slow and simple on purpose: it is the
/// yardstick for the GPU path. The whole sequence is recomputed on every call (no KV cache).</summary>
public sealed class CpuQwenModel
{
    readonly Dictionary<string, RefTensors.Tensor> _w;

    public RefConfig Config { get; }

    CpuQwenModel(RefConfig config, Dictionary<string, RefTensors.Tensor> weights)
    {
        Config = config;
        _w = weights;
    }

    public static CpuQwenModel Load(string folder) =>
        new(RefConfig.Load(Path.Combine(folder, "config.json")), RefTensors.LoadFolder(folder));

    /// <summary>The model with its matrices replaced by what llama.cpp's q8_0 / q4_0 blocks of them stand for, as
    /// the quantization issue defines it: "q8_0" every 2-D weight; "q4_0" the layers' *_proj weights, with the
    /// embeddings and lm_head in q8_0. Norms and biases unchanged. Only the block quantizer itself (llama.cpp's
    /// reference, checked byte-exact against llama-quantize) comes from QwenVk.</summary>
    public static CpuQwenModel LoadQuantized(string folder, string quant)
    {
        var weights = RefTensors.LoadFolder(folder);
        foreach (var (name, t) in weights.ToArray())
        {
            if (t.Shape.Length != 2) continue;
            bool table = name is "model.embed_tokens.weight" or "lm_head.weight";
            if (!table && !name.EndsWith("_proj.weight")) continue;
            var type = quant == "q8_0" || table ? QwenVk.Runtime.DType.Q8_0 : QwenVk.Runtime.DType.Q4_0;
            weights[name] = t with { Data = Dequantized(type, t.Data) };
        }
        return new(RefConfig.Load(Path.Combine(folder, "config.json")), weights);
    }

    /// <summary>A GPTQ (v1) or AWQ (gemm) checkpoint with each packed projection replaced by the weight it stands for,
    /// by the formulas, in double and written apart from the engine: every quant and zero is first unpacked
    /// into a plain [K, N] / [groups, N] integer table, then W[n, k] = scale * (q - zero).</summary>
    public static CpuQwenModel LoadPacked(string folder)
    {
        string configPath = Path.Combine(folder, "config.json");
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(configPath));
        var qc = doc.RootElement.GetProperty("quantization_config");
        string method = qc.GetProperty("quant_method").GetString()!;
        int bits = qc.GetProperty("bits").GetInt32();
        int groupSize = qc.GetProperty("group_size").GetInt32();
        var weights = RefTensors.LoadFolder(folder);
        foreach (var name in weights.Keys.Where(n => n.EndsWith(".qweight")).ToArray())
        {
            string prefix = name[..^"qweight".Length];
            var scales = weights[prefix + "scales"];
            int n = (int)scales.Shape[1], groups = (int)scales.Shape[0];
            var qweight = weights[prefix + "qweight"].Data;
            var qzeros = weights[prefix + "qzeros"].Data;
            uint mask = (1u << bits) - 1;
            int[,] q, zero;
            int[] group;
            if (method == "gptq")
            {
                var gIdx = weights[prefix + "g_idx"].Data;
                int k = gIdx.Length, per = 32 / bits;
                q = new int[k, n];
                zero = new int[groups, n];
                for (int kk = 0; kk < k; kk++)
                    for (int nn = 0; nn < n; nn++)
                        q[kk, nn] = (int)(((uint)(int)qweight[kk / per * n + nn] >> (bits * (kk % per))) & mask);
                for (int g = 0; g < groups; g++)
                    for (int nn = 0; nn < n; nn++)
                        zero[g, nn] = (int)(((uint)(int)qzeros[g * (n / per) + nn / per] >> (bits * (nn % per))) & mask) + 1;
                group = gIdx.Select(x => (int)x).ToArray();
                weights.Remove(prefix + "g_idx");
            }
            else
            {
                int[] order = [0, 2, 4, 6, 1, 3, 5, 7];
                int k = (int)weights[prefix + "qweight"].Shape[0];
                q = new int[k, n];
                zero = new int[groups, n];
                for (int nn = 0; nn < n; nn++)
                {
                    int nibble = Array.IndexOf(order, nn % 8), word = nn / 8;
                    for (int kk = 0; kk < k; kk++) q[kk, nn] = (int)(((uint)(int)qweight[kk * (n / 8) + word] >> (4 * nibble)) & 15);
                    for (int g = 0; g < groups; g++) zero[g, nn] = (int)(((uint)(int)qzeros[g * (n / 8) + word] >> (4 * nibble)) & 15);
                }
                int size = groupSize == -1 ? k : groupSize;
                group = Enumerable.Range(0, k).Select(kk => kk / size).ToArray();
            }
            int K = group.Length;
            var w = new double[(long)n * K];
            for (int nn = 0; nn < n; nn++)
                for (int kk = 0; kk < K; kk++)
                    w[(long)nn * K + kk] = scales.Data[group[kk] * n + nn] * (q[kk, nn] - zero[group[kk], nn]);
            weights[prefix + "weight"] = new RefTensors.Tensor([n, K], w);
            foreach (var part in new[] { "qweight", "qzeros", "scales" }) weights.Remove(prefix + part);
        }
        return new(RefConfig.Load(configPath), weights);
    }

    static double[] Dequantized(QwenVk.Runtime.DType type, double[] data)
    {
        const int block = QwenVk.Runtime.Quantization.GgmlBlocks.BlockValues;
        var bytes = new byte[QwenVk.Runtime.Quantization.GgmlBlocks.BlockBytes(type)];
        var f = new float[block];
        var v = new float[block];
        var result = new double[data.Length];
        for (int b = 0; b < data.Length / block; b++)
        {
            for (int i = 0; i < block; i++) f[i] = (float)data[b * block + i];  // exact: the checkpoint's dtype fits a float
            QwenVk.Runtime.Quantization.GgmlBlocks.Quantize(type, f, bytes);
            QwenVk.Runtime.Quantization.GgmlBlocks.Dequantize(type, bytes, v);
            for (int i = 0; i < block; i++) result[b * block + i] = v[i];
        }
        return result;
    }

    /// <summary>A weight as the reference holds it (dequantized, for a quantized load).</summary>
    public double[] Weight(string name) => W(name);

    double[] W(string name) => _w.TryGetValue(name, out var t) ? t.Data : throw new KeyNotFoundException($"reference: missing tensor {name}");
    double[] L(int layer, string part) => W($"model.layers.{layer}.{part}");

    /// <summary>Logits [position][vocab] for every position of <paramref name="ids"/>.</summary>
    public double[][] Forward(int[] ids)
    {
        var c = Config;
        int n = ids.Length;
        var embed = W("model.embed_tokens.weight");
        var x = new double[n][];
        for (int t = 0; t < n; t++)
        {
            if (ids[t] < 0 || ids[t] >= c.Vocab) throw new ArgumentOutOfRangeException(nameof(ids), ids[t], "token id outside the vocabulary");
            x[t] = embed.AsSpan(ids[t] * c.Hidden, c.Hidden).ToArray();
        }
        var invFreq = InverseFrequencies(c);

        for (int l = 0; l < c.Layers; l++)
        {
            var q = new double[n][];
            var k = new double[n][];
            var v = new double[n][];
            for (int t = 0; t < n; t++)
            {
                var h = RmsNorm(x[t], L(l, "input_layernorm.weight"), c.Eps);
                q[t] = Linear(L(l, "self_attn.q_proj.weight"), h, c.QkvBias ? L(l, "self_attn.q_proj.bias") : null);
                k[t] = Linear(L(l, "self_attn.k_proj.weight"), h, c.QkvBias ? L(l, "self_attn.k_proj.bias") : null);
                v[t] = Linear(L(l, "self_attn.v_proj.weight"), h, c.QkvBias ? L(l, "self_attn.v_proj.bias") : null);
                for (int hd = 0; hd < c.Heads; hd++) PrepareHead(q[t], hd, t, l, "q_norm", invFreq);
                for (int hd = 0; hd < c.KvHeads; hd++) PrepareHead(k[t], hd, t, l, "k_norm", invFreq);
            }
            int? window = c.SlidingWindow is { } sw && l >= c.MaxWindowLayers ? sw : null;
            for (int t = 0; t < n; t++)
            {
                var attn = Attention(q, k, v, t, window);
                var o = Linear(L(l, "self_attn.o_proj.weight"), attn, c.OBias ? L(l, "self_attn.o_proj.bias") : null);
                for (int i = 0; i < c.Hidden; i++) x[t][i] += o[i];
            }
            for (int t = 0; t < n; t++)
            {
                var h = RmsNorm(x[t], L(l, "post_attention_layernorm.weight"), c.Eps);
                var gate = Linear(L(l, "mlp.gate_proj.weight"), h, null);
                var up = Linear(L(l, "mlp.up_proj.weight"), h, null);
                for (int i = 0; i < gate.Length; i++) gate[i] = gate[i] / (1 + Math.Exp(-gate[i])) * up[i];
                var down = Linear(L(l, "mlp.down_proj.weight"), gate, null);
                for (int i = 0; i < c.Hidden; i++) x[t][i] += down[i];
            }
        }

        var head = W(c.Tied ? "model.embed_tokens.weight" : "lm_head.weight");
        var logits = new double[n][];
        for (int t = 0; t < n; t++) logits[t] = Linear(head, RmsNorm(x[t], W("model.norm.weight"), c.Eps), null);
        return logits;
    }

    /// <summary>Greedy decoding: appends the arg-max token (lowest id on a tie) <paramref name="steps"/> times and
    /// returns the new tokens.</summary>
    public int[] Generate(int[] ids, int steps)
    {
        var seq = ids.ToList();
        var generated = new int[steps];
        for (int s = 0; s < steps; s++)
        {
            var last = Forward(seq.ToArray())[^1];
            int best = 0;
            for (int i = 1; i < last.Length; i++) if (last[i] > last[best]) best = i;
            generated[s] = best;
            seq.Add(best);
        }
        return generated;
    }

    // Qwen3 normalises each head of q and k (RMSNorm over head_dim) before the rotation; then RoPE in the
    // rotate_half layout: element i pairs with element i + head_dim/2.
    void PrepareHead(double[] vec, int head, int position, int layer, string norm, double[] invFreq)
    {
        int d = Config.HeadDim;
        var span = vec.AsSpan(head * d, d);
        if (Config.Qwen3) RmsNorm(span.ToArray(), L(layer, "self_attn." + norm + ".weight"), Config.Eps).CopyTo(span);
        int half = d / 2;
        for (int i = 0; i < half; i++)
        {
            double angle = position * invFreq[i];
            double cos = Math.Cos(angle), sin = Math.Sin(angle);
            double a = span[i], b = span[i + half];
            span[i] = a * cos - b * sin;
            span[i + half] = b * cos + a * sin;
        }
    }

    double[] Attention(double[][] q, double[][] k, double[][] v, int t, int? window)
    {
        var c = Config;
        int d = c.HeadDim, group = c.Heads / c.KvHeads;
        double scale = 1.0 / Math.Sqrt(d);
        var output = new double[c.Heads * d];
        int first = window is { } w ? Math.Max(0, t - w + 1) : 0;
        var scores = new double[t + 1];
        for (int hq = 0; hq < c.Heads; hq++)
        {
            int hk = hq / group;
            double max = double.NegativeInfinity;
            for (int j = first; j <= t; j++)
            {
                double s = 0;
                for (int i = 0; i < d; i++) s += q[t][hq * d + i] * k[j][hk * d + i];
                scores[j] = s * scale;
                max = Math.Max(max, scores[j]);
            }
            double sum = 0;
            for (int j = first; j <= t; j++) sum += scores[j] = Math.Exp(scores[j] - max);
            for (int j = first; j <= t; j++)
            {
                double p = scores[j] / sum;
                for (int i = 0; i < d; i++) output[hq * d + i] += p * v[j][hk * d + i];
            }
        }
        return output;
    }

    static double[] InverseFrequencies(RefConfig c)
    {
        var inv = new double[c.HeadDim / 2];
        for (int i = 0; i < inv.Length; i++) inv[i] = 1.0 / Math.Pow(c.RopeTheta, 2.0 * i / c.HeadDim) / c.RopeLinearFactor;
        return inv;
    }

    static double[] RmsNorm(double[] x, double[] weight, double eps)
    {
        double ms = 0;
        foreach (double e in x) ms += e * e;
        double r = 1.0 / Math.Sqrt(ms / x.Length + eps);
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = weight[i] * (x[i] * r);
        return y;
    }

    /// <summary>y = W x (+ b) with W stored [out, in] as in PyTorch.</summary>
    static double[] Linear(double[] w, double[] x, double[]? bias)
    {
        int inF = x.Length, outF = w.Length / inF;
        if (w.Length % inF != 0) throw new ArgumentException($"reference: weight of {w.Length} values is not [out, {inF}]");
        var y = new double[outF];
        for (int o = 0; o < outF; o++)
        {
            double s = bias?[o] ?? 0;
            for (int i = 0; i < inF; i++) s += w[o * inF + i] * x[i];
            y[o] = s;
        }
        return y;
    }
}
