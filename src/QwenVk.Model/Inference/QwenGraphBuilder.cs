using QwenVk.Model.Checkpoints;
using QwenVk.Runtime;
using QwenVk.Runtime.Graph;
using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Model.Inference;

/// <summary>What a graph leaves for the host to read after its tokens.</summary>
public enum GraphOutputs
{
    /// <summary>The logits after the last token and their argmax (generation).</summary>
    LastLogits,
    /// <summary>The logits at every position and their argmax.</summary>
    AllLogits,
    /// <summary>At every position, the log-probability of a given next token (the host-written targets buffer),
    /// one float per position: perplexity without reading logits back.</summary>
    TokenLogprobs,
}

/// <summary>The tensors of a built Qwen graph that the host writes or reads.</summary>
public sealed record QwenGraph(
    ComputeGraph Graph,
    Dictionary<GraphTensor, BufferRange> Externals,
    int Tokens,
    int LogitRows);

/// <summary>
/// Declares the Qwen2/Qwen3 forward pass for N tokens as a compute graph, in its plain unfused form (RMSNorm then
/// a weight multiply, matmul then a bias add): the compiler's fusion passes decide what runs fused.
/// Reads the positions from the step buffer, so one compiled graph serves every decode step.
/// </summary>
public static class QwenGraphBuilder
{
    /// <summary>Up to this many rows, matmuls use the matrix-vector kernel (decode); beyond, the tiled one.</summary>
    public const int MatVecMaxRows = 8;

    public static QwenGraph Build(QwenConfig c, ModelState s, int tokens, bool allLogits) =>
        Build(c, s, tokens, allLogits ? GraphOutputs.AllLogits : GraphOutputs.LastLogits);

    public static QwenGraph Build(QwenConfig c, ModelState s, int tokens, GraphOutputs outputs)
    {
        bool allLogits = outputs != GraphOutputs.LastLogits;
        var g = new ComputeGraph(tokens == 1 ? "decode" : $"prefill{tokens}");
        var ext = new Dictionary<GraphTensor, BufferRange>();
        int n = tokens, h = c.HiddenSize, hq = c.NumAttentionHeads, hkv = c.NumKeyValueHeads, dh = c.HeadDim;
        float eps = (float)c.RmsNormEps;

        GraphTensor Bind(GraphTensor t, BufferRange r) { ext[t] = r; return t; }
        GraphTensor Weight(string name)
        {
            var chunk = s.Weights[name].Single();
            return Bind(g.Persistent(name, chunk.Type, "weights"), chunk.Range);
        }

        // A weight over the device's binding limit (7B's MLP on a 128 MiB device) is stored in row chunks: one
        // matmul per chunk, each writing its columns of y.
        GraphTensor Linear(string name, GraphTensor x, string weight, string? bias, int outFeatures)
        {
            if (s.Weights.ColumnOrder(weight) is { } order) x = Gathered(x, order);
            var type = TensorType.Of(DType.F32, n, outFeatures);
            var chunks = s.Weights[weight];
            GraphTensor y;
            if (chunks.Length == 1)
                y = g.Add(name, MatMul(n, hasBias: false, 0), [x, Weight(weight)], type);
            else
            {
                y = g.Transient(name, type);
                foreach (var chunk in chunks)
                {
                    var w = Bind(g.Persistent($"{weight}[{chunk.FirstRow}]", chunk.Type, "weights"), chunk.Range);
                    g.Add(name, MatMul(n, hasBias: false, chunk.FirstRow), [x, w], [y]);
                }
            }
            return bias is null ? y : g.Add(name + ".bias", new RowBroadcastKernel(BroadcastOp.Add), [y, Weight(bias)], type);
        }

        // Act-order GPTQ weights store their columns sorted by group (GpuWeights.ColumnOrder): their product reads x in
        // that order. Weights sharing an order (q/k/v, gate/up) share one gather.
        var gathered = new Dictionary<(GraphTensor, GpuBuffer), GraphTensor>();
        var orders = new Dictionary<GpuBuffer, GraphTensor>();
        GraphTensor Gathered(GraphTensor x, WeightChunk order)
        {
            if (gathered.TryGetValue((x, order.Buffer), out var y)) return y;
            if (!orders.TryGetValue(order.Buffer, out var perm))
                orders[order.Buffer] = perm = Bind(g.Persistent($"column_order{orders.Count}", order.Type, "weights"), order.Range);
            return gathered[(x, order.Buffer)] = g.Add(x.Name + ".gathered", new GatherColumnsKernel(), [x, perm], x.Type);
        }

        // Decode runs stacked q/k/v (one weight buffer, see QwenWeights.Stacks) as one matrix-vector product and
        // slices its output row: fewer dispatches, and the small k and v products stop costing a dispatch each.
        // Prefill keeps them apart (a sliced multi-row output would be strided). Gate/up, when stacked, always run
        // as one product whose output the stacked SwiGLU reads (decode takes the SwiGLU into the product).
        bool Stacked(string weight, string? bias, params int[] sliceOffsets) =>
            n == 1 && s.Weights.Contains(weight) && (bias is null || s.Weights.Contains(bias))
            && sliceOffsets.All(o => (ulong)o * 4 % BufferRange.PortableAlignment == 0);

        // A norm whose weight was folded into the projections reading it (GpuWeights) runs without one; decode
        // then takes it into the stacked product that reads it (MatVecKernel.AbsorbInputNorm).
        GraphTensor Norm(string name, GraphTensor x, string weight)
        {
            var normed = g.Add(name, new RmsNormKernel(eps, hasWeight: false), [x], x.Type);
            return s.Weights.IsFolded(weight) ? normed
                : g.Add(name + ".weight", new RowBroadcastKernel(BroadcastOp.Mul), [normed, Weight(weight)], x.Type);
        }

        var ids = Bind(g.Input("ids", TensorType.Of(DType.U32, n)), s.Ids);
        var step = Bind(g.Input("step", TensorType.Of(DType.U32, 1)), s.Step);
        var rope = Bind(g.Persistent("rope_table", s.RopeTableType, "rope"), s.RopeTable);

        var hiddenType = TensorType.Of(DType.F32, n, h);
        var x = g.Transient("embeddings", hiddenType);
        foreach (var chunk in s.Weights[QwenWeights.Embeddings])
        {
            var table = Bind(g.Persistent($"{QwenWeights.Embeddings}[{chunk.FirstRow}]", chunk.Type, "weights"), chunk.Range);
            g.Add("embed", new EmbeddingKernel(chunk.FirstRow), [ids, table], [x]);
        }

        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            string L(string part) => $"L{l}.{part}";
            var attnIn = Norm(L("attn_norm"), x, QwenWeights.InputNorm(l));
            GraphTensor q, k, v;
            GraphTensor? qk = null;  // q and k side by side (stacked decode), roped by one dispatch
            string? qkvBias = c.AttentionBias ? QwenWeights.QkvBias(l) : null;
            if (Stacked(QwenWeights.QkvProj(l), qkvBias, hq * dh, hq * dh + hkv * dh))
            {
                var qkv = Linear(L("qkv"), attnIn, QwenWeights.QkvProj(l), qkvBias, hq * dh + 2 * hkv * dh);
                q = g.Slice(qkv, 0, TensorType.Of(DType.F32, n, hq * dh), L("q"));
                k = g.Slice(qkv, hq * dh, TensorType.Of(DType.F32, n, hkv * dh), L("k"));
                v = g.Slice(qkv, hq * dh + hkv * dh, TensorType.Of(DType.F32, n, hkv * dh), L("v"));
                qk = g.Slice(qkv, 0, TensorType.Of(DType.F32, n, hq + hkv, dh), L("qk.heads"));
            }
            else
            {
                q = Linear(L("q"), attnIn, QwenWeights.QProj(l), c.AttentionBias ? QwenWeights.QBias(l) : null, hq * dh);
                k = Linear(L("k"), attnIn, QwenWeights.KProj(l), c.AttentionBias ? QwenWeights.KBias(l) : null, hkv * dh);
                v = Linear(L("v"), attnIn, QwenWeights.VProj(l), c.AttentionBias ? QwenWeights.VBias(l) : null, hkv * dh);
            }
            var qHeads = g.View(q, TensorType.Of(DType.F32, n, hq, dh), L("q.heads"));
            var kHeads = g.View(k, TensorType.Of(DType.F32, n, hkv, dh), L("k.heads"));
            var vHeads = g.View(v, TensorType.Of(DType.F32, n, hkv, dh), L("v.heads"));
            // Stacked decode takes Qwen3's q/k norms into attention (below); otherwise they run as norms of their own.
            if (c.QkNorm && qk is null)
            {
                var qRows = g.View(qHeads, TensorType.Of(DType.F32, n * hq, dh), L("q.rows"));
                var kRows = g.View(kHeads, TensorType.Of(DType.F32, n * hkv, dh), L("k.rows"));
                qHeads = g.View(Norm(L("q_norm"), qRows, QwenWeights.QNorm(l)), qHeads.Type, L("q.normed"));
                kHeads = g.View(Norm(L("k_norm"), kRows, QwenWeights.KNorm(l)), kHeads.Type, L("k.normed"));
            }
            var (kCache, vCache) = s.Cache.Layer(l);
            var kc = Bind(g.Persistent(L("k_cache"), s.Cache.LayerType, "kv-cache"), kCache);
            var vc = Bind(g.Persistent(L("v_cache"), s.Cache.LayerType, "kv-cache"), vCache);
            int window = c.SlidingWindowLayers[l] && c.SlidingWindow is int w ? w : 0;
            float scale = 1f / MathF.Sqrt(dh);
            GraphTensor attn;
            if (qk is not null)
            {
                // Decode with q and k side by side: attention ropes both (Qwen3: after their RMSNorm) and appends this
                // step's key and value to the cache itself (it reads the cache below that row and writes the row: both
                // input and output).
                // With splits (GPUs) the node writes partials over shares of the keys and a merge node combines them.
                int splits = s.AttentionSplits;
                var attnOut = g.Transient(L("attention"), splits > 1 ? AttentionKernel.PartialsType(hq, splits, dh) : qHeads.Type);
                GraphTensor[] inputs = c.QkNorm
                    ? [qk, kc, vc, step, rope, vHeads, Weight(QwenWeights.QNorm(l)), Weight(QwenWeights.KNorm(l))]
                    : [qk, kc, vc, step, rope, vHeads];
                g.Add(L("attention"), new AttentionKernel(scale, window, ropeKv: true, qkNormEps: c.QkNorm ? eps : null, splits: splits),
                    inputs, [attnOut, kc, vc]);
                attn = splits > 1 ? g.Add(L("attention_merge"), new AttentionMergeKernel(), [attnOut], qHeads.Type) : attnOut;
            }
            else
            {
                var qRot = g.Add(L("q_rope"), new RopeKernel(), [qHeads, rope, step], qHeads.Type);
                var kRot = g.Add(L("k_rope"), new RopeKernel(), [kHeads, rope, step], kHeads.Type);
                g.Add(L("kv_append"), new KvAppendKernel(), [kRot, vHeads, step], [kc, vc]);
                attn = g.Add(L("attention"), new AttentionKernel(scale, window), [qRot, kc, vc, step], qHeads.Type);
            }
            var attnFlat = g.View(attn, TensorType.Of(DType.F32, n, hq * dh), L("attention.flat"));
            var o = Linear(L("o"), attnFlat, QwenWeights.OProj(l), c.OutputProjectionBias ? QwenWeights.OBias(l) : null, h);
            var x2 = g.Add(L("attn_residual"), new AddKernel(), [x, o], hiddenType);

            var mlpIn = Norm(L("mlp_norm"), x2, QwenWeights.PostAttentionNorm(l));
            int ff = c.IntermediateSize;
            var actType = TensorType.Of(DType.F32, n, ff);
            GraphTensor act;
            if (s.Weights.Contains(QwenWeights.GateUp(l)))
            {
                var gateUp = Linear(L("gate_up"), mlpIn, QwenWeights.GateUp(l), null, 2 * ff);
                act = g.Add(L("silu_mul"), new SiluMulKernel(stacked: true), [gateUp], actType);
            }
            else
            {
                var gate = Linear(L("gate"), mlpIn, QwenWeights.Gate(l), null, ff);
                var up = Linear(L("up"), mlpIn, QwenWeights.Up(l), null, ff);
                act = g.Add(L("silu_mul"), new SiluMulKernel(), [gate, up], actType);
            }
            var down = Linear(L("down"), act, QwenWeights.Down(l), null, h);
            x = g.Add(L("mlp_residual"), new AddKernel(), [x2, down], hiddenType);
        }

        var final = Norm("final_norm", x, QwenWeights.FinalNorm);
        int rows = allLogits ? n : 1;
        if (!allLogits && n > 1)
            final = g.Add("last_token", new CopyRowsKernel(n - 1), [final], TensorType.Of(DType.F32, 1, h));
        var logits = Bind(g.Output("logits", TensorType.Of(DType.F32, rows, c.VocabSize)), s.Logits);
        foreach (var chunk in s.Weights[QwenWeights.OutputWeights(c)])
        {
            var w = Bind(g.Persistent($"lm_head[{chunk.FirstRow}]", chunk.Type, "weights"), chunk.Range);
            g.Add("lm_head", MatMul(rows, hasBias: false, chunk.FirstRow), [final, w], [logits]);
        }
        if (outputs == GraphOutputs.TokenLogprobs)
        {
            var targets = Bind(g.Input("targets", TensorType.Of(DType.U32, rows)), s.Targets);
            var logprobs = Bind(g.Output("token_logprobs", TensorType.Of(DType.F32, rows)), s.TokenLogprobs);
            g.Add("token_logprob", new TokenLogprobKernel(), [logits, targets], [logprobs]);
        }
        else
        {
            var token = Bind(g.Output("argmax", TensorType.Of(DType.U32, rows)), s.Argmax);
            g.Add("argmax", new ArgmaxKernel(), [logits], [token]);
        }
        return new QwenGraph(g, ext, n, rows);
    }

    static Kernel MatMul(int rows, bool hasBias, int columnOffset) => rows <= MatVecMaxRows
        ? new MatVecKernel(hasBias, columnOffset)
        : new MatMulKernel(hasBias, columnOffset);
}
