using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;

namespace QwenVk.Reference.KernelBenchmarks;

/// <summary>
/// Every kernel at the shapes one transformer layer (plus embedding and output head) of a Qwen model runs it, for
/// decode (one token) and prefill (<see cref="PrefillTokens"/> tokens), as the model's compiled graph runs them:
/// decode with its stacked products and what they take in (norm, bias, residual, SwiGLU), prefill with separate
/// products, a row broadcast for the bias and the RMSNorm, add and SwiGLU kernels; the lm_head and the embedding
/// table split into row chunks where the device's binding limit asks for it. Shared by `qwenvk kernels
/// bench` and the BenchmarkDotNet project.
/// </summary>
public static class KernelBenchSuite
{
    public const int PrefillTokens = 512;
    /// <summary>KV cache rows (the context the model was opened with); decode attention runs at several positions in it.</summary>
    public const int CacheRows = 4096;
    public static readonly int[] DecodeContexts = [512, 4096];
    /// <summary>Decode products rotate through copies of their weight adding up to at least this much, so each run
    /// reads the weight from memory: a decode step streams every weight of the model once (~1 GB for 0.5B), so
    /// none is in a cache, while one 896x896 weight (1.6 MB) timed alone would be read from the last-level cache
    /// (32 MiB on the VM of docs/BENCHMARKS.md, 50-100 MiB on large GPUs) and report a bandwidth decode never sees.</summary>
    /// <summary>Rows of logits the prefill token_logprob case scores at once.</summary>
    public const int LogprobRows = 128;
    public const ulong ColdWeightBytes = 256UL << 20;
    /// <summary>At most this many copies (each is a buffer and a descriptor set).</summary>
    public const int MaxWeightCopies = 160;

    /// <summary>The cases of "0.5b", "7b" or "all".</summary>
    public static IReadOnlyList<KernelBenchCase> All(string preset, ulong coldWeightBytes = ColdWeightBytes)
    {
        var shapes = preset.Equals("all", StringComparison.OrdinalIgnoreCase)
            ? BenchModelShape.Presets
            : BenchModelShape.Presets.Where(s => s.Name.Equals(preset, StringComparison.OrdinalIgnoreCase)).ToList();
        if (shapes.Count == 0)
            throw new ArgumentException($"unknown benchmark preset '{preset}'; use one of {string.Join(", ", BenchModelShape.Presets.Select(s => s.Name))} or all.");
        return shapes.SelectMany(s => For(s, coldWeightBytes: coldWeightBytes)).ToList();
    }

    /// <summary>The decode and prefill cases of one model shape. <paramref name="coldWeightBytes"/>: see
    /// <see cref="ColdWeightBytes"/>; 0 times one copy of each weight (cache-hot where it fits).</summary>
    public static IEnumerable<KernelBenchCase> For(BenchModelShape m, int prefillTokens = PrefillTokens, int cacheRows = CacheRows,
        IReadOnlyList<int>? decodeContexts = null, ulong coldWeightBytes = ColdWeightBytes)
    {
        var b = new CaseFactory(m.Name, coldWeightBytes);
        int h = m.Hidden;
        var ropeTable = TensorType.Of(DType.F32, cacheRows, m.HeadDim / 2, 2);
        var cache = TensorType.Of(DType.F16, m.HeadsKv, cacheRows, m.HeadDim);
        float scale = 1f / MathF.Sqrt(m.HeadDim);

        foreach (var (phase, n) in new[] { ("decode", 1), ("prefill", prefillTokens) })
        {
            b.Phase = phase;
            bool decode = n == 1;
            // Positions: a decode step after a prompt of 511 tokens; a prefill from position 0.
            int position = decode ? Math.Min(511, cacheRows - 1) : 0;
            var step = Step(position);

            yield return b.Embedding(n, m.Vocab, h);
            if (decode)
            {
                // Decode as the model's compiled graph runs it: q/k/v stacked with the bias and the RMSNorm taken in,
                // attention that ropes q and k and appends to the KV cache itself, the residual adds taken into o and
                // down, gate/up stacked with the norm and the SwiGLU taken in.
                yield return b.Linear("qkv", n, m.QDim + 2 * m.KvDim, h, bias: m.QkvBias, norm: true);
            }
            else
            {
                yield return b.Simple("rmsnorm", "attn_norm", new RmsNormKernel(1e-6f, hasWeight: false), [F32(n, h)], [F32(n, h)]);
                yield return b.Linear("q", n, m.QDim, h);
                yield return b.Linear("k", n, m.KvDim, h);
                if (m.QkvBias)
                    yield return b.Simple("row_broadcast", "q_bias", new RowBroadcastKernel(BroadcastOp.Add),
                        [F32(n, m.QDim), F16(m.QDim)], [F32(n, m.QDim)]);
                if (m.QkNorm)
                    yield return b.Simple("rmsnorm", "q_norm", new RmsNormKernel(1e-6f, hasWeight: true),
                        [F32(n * m.HeadsQ, m.HeadDim), F16(m.HeadDim)], [F32(n * m.HeadsQ, m.HeadDim)]);
                yield return b.Simple("rope", "q", new RopeKernel(),
                    [F32(n, m.HeadsQ, m.HeadDim), ropeTable, U32(1)], [F32(n, m.HeadsQ, m.HeadDim)], values: [null, null, step]);
                yield return b.Simple("kv_append", $"@{position}", new KvAppendKernel(),
                    [F32(n, m.HeadsKv, m.HeadDim), F32(n, m.HeadsKv, m.HeadDim), U32(1)], [cache, cache], values: [null, null, step]);
            }
            var attentionIn = new[] { F32(n, m.HeadsQ, m.HeadDim), cache, cache, U32(1) };
            var attention = new AttentionKernel(scale);
            if (decode)
            {
                // Qwen3 takes its q/k norms in too: their two weights follow v.
                float? qkNorm = m.QkNorm ? 1e-6f : null;
                var decodeAttention = new AttentionKernel(scale, ropeKv: true, qkNormEps: qkNorm);
                TensorType[] decodeIn = [F32(1, m.HeadsQ + m.HeadsKv, m.HeadDim), cache, cache, U32(1), ropeTable, F32(1, m.HeadsKv, m.HeadDim),
                    .. m.QkNorm ? new[] { F16(m.HeadDim), F16(m.HeadDim) } : []];
                uint[]?[] decodeValues = [null, null, null, null, null, null, .. m.QkNorm ? new uint[]?[] { null, null } : []];
                foreach (int context in decodeContexts ?? DecodeContexts)
                    yield return b.Simple("attention", $"ctx{context}", decodeAttention, decodeIn, [attentionIn[0], cache, cache],
                        values: WithStep(decodeValues, context - 1), cost: decodeAttention.CostAt(decodeIn, context - 1));
                // GPUs split each head's keys over several workgroups and merge the partials: both halves, to set
                // beside the unsplit node above (at least two splits, so a short cache still has the cases).
                int splits = Math.Max(2, AttentionKernel.GpuDecodeSplits(cacheRows));
                var splitAttention = new AttentionKernel(scale, ropeKv: true, qkNormEps: qkNorm, splits: splits);
                var partials = AttentionKernel.PartialsType(m.HeadsQ, splits, m.HeadDim);
                foreach (int context in decodeContexts ?? DecodeContexts)
                    yield return b.Simple("attention", $"ctx{context}.split{splits}", splitAttention, decodeIn, [partials, cache, cache],
                        values: WithStep(decodeValues, context - 1), cost: splitAttention.CostAt(decodeIn, context - 1));
                yield return b.Simple("attention_merge", $"split{splits}", new AttentionMergeKernel(), [partials], [attentionIn[0]]);
            }
            else
                yield return b.Simple("attention", $"causal{n}", attention, attentionIn, [attentionIn[0]],
                    values: [null, null, null, step], cost: attention.CostAt(attentionIn, 0), computeBound: true);
            if (decode)
            {
                yield return b.Linear("o", n, h, m.QDim, residual: true);
                yield return b.Linear("gate_up", n, m.Intermediate, h, swiGlu: true, norm: true);
                yield return b.Linear("down", n, h, m.Intermediate, residual: true);
                yield return b.Simple("rmsnorm", "final_norm", new RmsNormKernel(1e-6f, hasWeight: true), [F32(n, h), F16(h)], [F32(n, h)]);
                yield return b.Linear("lm_head", 1, m.Vocab, h);
                yield return b.Simple("softmax", "vocab", new SoftmaxKernel(), [F32(1, m.Vocab)], [F32(1, m.Vocab)]);
                yield return b.Simple("argmax", "vocab", new ArgmaxKernel(), [F32(1, m.Vocab)], [U32(1)]);
            }
            else
            {
                yield return b.Linear("o", n, h, m.QDim);
                yield return b.Simple("add", "residual", new AddKernel(), [F32(n, h), F32(n, h)], [F32(n, h)]);
                yield return b.Linear("gate_up", n, 2 * m.Intermediate, h);
                yield return b.Simple("silu_mul", "mlp", new SiluMulKernel(stacked: true), [F32(n, 2 * m.Intermediate)], [F32(n, m.Intermediate)]);
                yield return b.Linear("down", n, h, m.Intermediate);
                yield return b.Simple("copy_rows", "last_token", new CopyRowsKernel(n - 1), [F32(n, h)], [F32(1, h)]);
                // Act-order GPTQ: the product's input in its weight's column order (the down product's, the widest).
                yield return b.Simple("gather_columns", "down", new GatherColumnsKernel(), [F32(n, m.Intermediate), U32(m.Intermediate)], [F32(n, m.Intermediate)],
                    values: [null, Enumerable.Range(0, m.Intermediate).Select(i => (uint)(m.Intermediate - 1 - i)).ToArray()]);
                // Perplexity scores a window's positions in pieces whose logits fit one binding; 128 rows of a
                // 152k vocabulary (78 MB) fit every device's 128 MiB. Targets spread over the vocabulary.
                var targets = Enumerable.Range(0, LogprobRows).Select(i => (uint)((long)(m.Vocab - 1) * (2 * i + 1) / (2 * LogprobRows))).ToArray();
                yield return b.Simple("token_logprob", $"rows{LogprobRows}", new TokenLogprobKernel(),
                    [F32(LogprobRows, m.Vocab), U32(LogprobRows)], [F32(LogprobRows)], values: [null, targets]);
            }
            // Quantized weights (--quant): the same products reading q8_0 / q4_0 blocks (the figures are GB/s of the
            // quantized bytes). The model does not fold norms into quantized weights, so none is taken in here;
            // embeddings and lm_head are q8_0 under both. q4_z / q8_z: a GPTQ / AWQ checkpoint's own blocks.
            foreach (var q in new[] { DType.Q8_0, DType.Q4_0, DType.Q4_Z, DType.Q8_Z })
            {
                string tag = "." + q.ToString().ToLowerInvariant();
                if (decode)
                {
                    yield return b.Linear("qkv" + tag, n, m.QDim + 2 * m.KvDim, h, bias: m.QkvBias, weights: q);
                    yield return b.Linear("o" + tag, n, h, m.QDim, residual: true, weights: q);
                    yield return b.Linear("gate_up" + tag, n, m.Intermediate, h, swiGlu: true, weights: q);
                    yield return b.Linear("down" + tag, n, h, m.Intermediate, residual: true, weights: q);
                    if (q == DType.Q8_0) yield return b.Linear("lm_head" + tag, 1, m.Vocab, h, weights: q);
                }
                else
                {
                    yield return b.Linear("gate_up" + tag, n, 2 * m.Intermediate, h, weights: q);
                    yield return b.Linear("down" + tag, n, h, m.Intermediate, weights: q);
                }
            }
        }
    }

    static uint[] Step(int position) => [(uint)position];
    /// <summary>The decode attention's input values with the step (input 3) at <paramref name="position"/>.</summary>
    static uint[]?[] WithStep(uint[]?[] values, int position)
    {
        var v = (uint[]?[])values.Clone();
        v[3] = Step(position);
        return v;
    }
    static TensorType F32(params int[] shape) => TensorType.Of(DType.F32, shape);
    static TensorType F16(params int[] shape) => TensorType.Of(DType.F16, shape);
    static TensorType U32(params int[] shape) => TensorType.Of(DType.U32, shape);

    sealed class CaseFactory(string preset, ulong coldWeightBytes)
    {
        public string Phase = "";

        /// <summary>A kernel over tensors of its own (no weight split).</summary>
        public KernelBenchCase Simple(string kernel, string name, Kernel k, TensorType[] inputs, TensorType[] outputs,
            uint[]?[]? values = null, KernelCost? cost = null, bool computeBound = false)
        {
            k.Validate(inputs, outputs);
            return new KernelBenchCase(preset, Phase, kernel, name, Describe(inputs, outputs), cost ?? k.Cost(inputs, outputs), computeBound, s =>
            {
                var ins = inputs.Select((t, i) => s.Tensor(t, $"in{i}", values?[i])).ToArray();
                // Outputs that equal an input type but are caches (kv_append) still get tensors of their own.
                var outs = outputs.Select((t, i) => s.Tensor(t, $"out{i}")).ToArray();
                s.Add(k, ins, outs);
            });
        }

        /// <summary>y[n, M] = x[n, K] W[M, K]^T: matvec for decode, the tiled matmul for prefill (the model's choice,
        /// <c>QwenGraphBuilder.MatVecMaxRows</c>); one dispatch per row chunk of W when it exceeds a binding. Decode
        /// products may carry what the model's compiled graph takes into them: a bias, a residual, the SwiGLU of a
        /// stacked gate/up (W has 2M rows) and the RMSNorm of x.</summary>
        public KernelBenchCase Linear(string name, int n, int m, int k, bool bias = false, bool residual = false, bool swiGlu = false, bool norm = false,
            DType weights = DType.F16)
        {
            bool decode = n <= 8;
            if (!decode && (bias || residual || swiGlu || norm))
                throw new ArgumentException($"{name}: the prefill cases are plain products");
            Kernel Make(int columnOffset) => decode
                ? new MatVecKernel(bias, columnOffset, residual: residual, swiGlu: swiGlu, normEps: norm ? 1e-6f : null)
                : new MatMulKernel(false, columnOffset);
            var (x, w, y) = (F32(n, k), TensorType.Of(weights, swiGlu ? 2 * m : m, k), F32(n, m));
            TensorType? extra = bias ? F16(m) : residual ? F32(n, m) : null;
            TensorType[] inputs = extra is { } e ? [x, w, e] : [x, w];
            var logical = Make(0);
            logical.Validate(inputs, [y]);
            int copies = decode ? (int)Math.Clamp((coldWeightBytes + w.Bytes - 1) / w.Bytes, 1, (ulong)MaxWeightCopies) : 1;
            return new KernelBenchCase(preset, Phase, logical.Kind, name, Describe(inputs, [y]) + Epilogue(bias, residual, swiGlu, norm),
                logical.Cost(inputs, [y]), !decode, s =>
            {
                var tx = s.Tensor(x, "x");
                var ty = s.Tensor(y, "y");
                var te = extra is { } et ? s.Tensor(et, "extra") : null;
                // A stacked gate/up over the device's binding limit (7B on 128 MiB) is not stacked by the model:
                // there it runs the norm, the gate and up products (in row chunks) and the SwiGLU as dispatches of
                // their own, and so does this case. Likewise a residual is only taken into an unsplit product.
                bool apart = swiGlu && w.Bytes > s.MaxBindingBytes;
                var (tn, tg, tu) = apart ? (s.Tensor(x, "x.normed"), s.Tensor(y, "gate"), s.Tensor(y, "up")) : default;
                bool splitResidual = residual && w.Bytes > s.MaxBindingBytes;
                var tsum = splitResidual ? s.Tensor(y, "product") : null;
                for (int copy = 0; copy < copies; copy++)
                {
                    if (copy > 0) s.NextCopy();
                    if (apart)
                    {
                        s.Add(new RmsNormKernel(1e-6f, hasWeight: false), [tx], [tn!]);
                        s.Barrier();
                        foreach (var (part, tpart) in new[] { ("gate", tg!), ("up", tu!) })
                            foreach (var (chunk, tw) in s.Weight(TensorType.Of(weights, m, k), $"W{copy}.{part}"))
                                s.Add(new MatVecKernel(false, chunk.FirstRow), [tn!, tw], [tpart]);
                        s.Barrier();
                        s.Add(new SiluMulKernel(), [tg!, tu!], [ty]);
                        continue;
                    }
                    var chunks = s.Weight(w, $"W{copy}");
                    if (splitResidual)
                    {
                        foreach (var (chunk, tw) in chunks)
                            s.Add(new MatVecKernel(false, chunk.FirstRow), [tx, tw], [tsum!]);
                        s.Barrier();
                        s.Add(new AddKernel(), [tsum!, te!], [ty]);
                        continue;
                    }
                    if (te is not null && chunks.Count > 1)
                        throw new InvalidOperationException($"{name}: a split weight with a bias is not a case the model runs");
                    foreach (var (chunk, tw) in chunks)
                        s.Add(Make(chunk.FirstRow), te is null ? [tx, tw] : [tx, tw, te], [ty]);
                }
            });
        }

        static string Epilogue(bool bias, bool residual, bool swiGlu, bool norm) =>
            (norm ? " +norm" : "") + (bias ? " +bias" : "") + (residual ? " +res" : "") + (swiGlu ? " +swiglu" : "");

        /// <summary>Gathers n rows of the vocabulary table, one dispatch per row chunk of the table.</summary>
        public KernelBenchCase Embedding(int n, int vocab, int hidden)
        {
            var (ids, table, o) = (U32(n), F16(vocab, hidden), F32(n, hidden));
            var logical = new EmbeddingKernel();
            logical.Validate([ids, table], [o]);
            // Spread over the vocabulary, so a split table has rows to gather in every chunk for prefill.
            var values = Enumerable.Range(0, n).Select(i => (uint)((long)(vocab - 1) * (2 * i + 1) / (2 * n))).ToArray();
            return new KernelBenchCase(preset, Phase, "embedding", "tokens", Describe([ids, table], [o]), logical.Cost([ids, table], [o]), false, s =>
            {
                var tIds = s.Tensor(ids, "ids", values);
                var tOut = s.Tensor(o, "out");
                foreach (var (chunk, tt) in s.Weight(table, "table"))
                    s.Add(new EmbeddingKernel(chunk.FirstRow), [tIds, tt], [tOut]);
            });
        }

        static string Describe(TensorType[] inputs, TensorType[] outputs) =>
            string.Join(" ", inputs.Where(t => !(t.DType == DType.U32 && t.Elements == 4)).Select(t => t.ToString())) + " -> " + string.Join(" ", outputs.Select(t => t.ToString()));
    }
}
