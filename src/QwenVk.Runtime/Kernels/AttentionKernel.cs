using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>
/// Causal grouped-query attention over the fp16 KV cache. Inputs q f32 [N, Hq, Dh], kCache and vCache f16
/// [Hkv, C, Dh], step u32 [1]; output f32 [N, Hq, Dh]. Query n sits at position p = step[0] + n and attends to cache
/// rows [lo, p], lo = 0 or, with a sliding <paramref name="window"/> &gt; 0, max(0, p - window + 1); query head h
/// reads kv head h / (Hq / Hkv). The cache rows up to p must already hold this step's keys (kv_append first).
/// A position past the cache yields NaN. <paramref name="texelLoads"/>: read the caches through texel buffers (true),
/// storage buffers (false) or as the device prefers (null, <see cref="DeviceCapabilities.TexelLoads"/>); texel loads
/// need head_dim % 8 == 0. <paramref name="workgroupSize"/>: invocations per (token, head), 0 = chosen per device
/// (tests set it to cover every choice on any device).
/// With <paramref name="ropeKv"/> (decode, one token) it also does <see cref="RopeKernel"/>'s rope+kv_append: inputs
/// qk f32 [1, Hq + Hkv, Dh] (queries and keys side by side, unrotated), kCache, vCache, step, the rope table f32
/// [P, Dh/2, 2] and v f32 [1, Hkv, Dh]; outputs the attention f32 [1, Hq, Dh] and the two caches again, which receive
/// the rotated key and the value at row step[0] (the caches are inputs and outputs: read below that row, written at
/// it). One dispatch instead of two per layer.
/// With <paramref name="qkNormEps"/> as well (Qwen3), each query and key head is RMS-normalized (this epsilon) and
/// multiplied by its weight before RoPE: two more inputs after v, the q_norm and k_norm weights f16 [Dh]. One
/// dispatch instead of six per layer.
/// With <paramref name="splits"/> &gt; 1 (decode, one token; flash decoding) each query head's keys are shared among
/// that many workgroups, and the output is their partials f32 [Hq, splits, Dh + 4] (<see cref="PartialsType"/>), which
/// <see cref="AttentionMergeKernel"/> turns into the attention: a GPU then runs Hq x splits workgroups, not Hq.
/// </summary>
public sealed class AttentionKernel(float scale, int window = 0, bool? texelLoads = null, int workgroupSize = 0, bool ropeKv = false,
    float? qkNormEps = null, int splits = 1) : Kernel
{
    /// <summary>Invocations per (token, head) on GPUs: enough to split a few thousand keys, few enough to keep the
    /// per-invocation fp32 accumulator of Dh floats in registers.</summary>
    const uint GpuWorkgroupSize = 64;

    public float Scale => scale;
    public int Window => window;
    public bool? TexelLoads => texelLoads;
    public bool RopeKv => ropeKv;
    /// <summary>Not null: q and k heads are RMS-normalized with this epsilon and their weights before RoPE.</summary>
    public float? QkNormEps => qkNormEps;
    /// <summary>Workgroups per query head (decode); more than 1 writes partials for <see cref="AttentionMergeKernel"/>.</summary>
    public int Splits => splits;

    /// <summary>Floats of a split-attention partial after its Dh outputs: the running max, the sum of exponentials and
    /// two unused that keep each partial 16-byte aligned (shaders/attention_partials.glsl).</summary>
    public const int PartialTailFloats = 4;

    /// <summary>Partials of a split decode attention: per query head and split, the unnormalized output (Dh floats)
    /// and the <see cref="PartialTailFloats"/>.</summary>
    public static TensorType PartialsType(int headsQ, int splits, int headDim) =>
        TensorType.Of(DType.F32, headsQ, splits, headDim + PartialTailFloats);

    /// <summary>Splits for decode attention over a cache of <paramref name="cacheRows"/> rows: 1 on CPU drivers (a
    /// dispatch costs them more than the parallelism gains) and for short caches; on GPUs one split per 512 cache
    /// rows, at most 16 (QWENVK_ATTENTION_SPLITS overrides). The split is fixed when the graph is recorded; each
    /// split's share of the keys is computed from the position at run time, so all splits stay equally loaded.</summary>
    public static int DecodeSplits(DeviceCapabilities caps, int cacheRows) =>
        KernelTuning.AttentionSplits is { } forced ? (int)forced : caps.Kind == DeviceKind.Cpu ? 1 : GpuDecodeSplits(cacheRows);

    /// <summary>The GPU rule of <see cref="DecodeSplits"/>: one split per 512 cache rows, 1 to 16.</summary>
    public static int GpuDecodeSplits(int cacheRows) => Math.Clamp(cacheRows / 512, 1, 16);

    public override string Kind => "attention";
    public override int InputCount => ropeKv ? qkNormEps is null ? 6 : 8 : 4;
    public override int OutputCount => ropeKv ? 3 : 1;

    /// <summary>The queries' type [N, Hq, Dh]: the first input, or with <see cref="RopeKv"/> its query heads.</summary>
    static TensorType QueryType(IReadOnlyList<TensorType> inputs, bool ropeKv) =>
        ropeKv ? TensorType.Of(DType.F32, inputs[0][0], inputs[0][1] - inputs[1][0], inputs[0][2]) : inputs[0];

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        ExpectCounts(this, inputs, outputs);
        var (kc, vc, step) = (inputs[1], inputs[2], inputs[3]);
        var x = inputs[0];
        Expect(x.DType == DType.F32 && x.Rank == 3 && x.Elements > 0, $"attention q must be f32 [tokens, heads, head_dim], got {x}");
        Expect(kc.DType == DType.F16 && kc.Rank == 3 && kc[2] == x[2] && kc[1] > 0,
            $"attention k cache must be f16 [kv_heads, cache_rows, {x[2]}] for q {x}, got {kc}");
        Expect(vc.Equals(kc), $"attention v cache must match the k cache {kc}, got {vc}");
        Expect(qkNormEps is null || ropeKv, "attention's q/k RMSNorm comes with rope+kv_append (decode)");
        Expect(splits >= 1 && splits <= 65535, $"attention splits must be 1..65535, got {splits}");
        Expect(splits == 1 || x[0] == 1, $"split attention is for decode (one token), got {x}");
        Expect(qkNormEps is not { } e || (e >= 0 && float.IsFinite(e)), $"attention's q/k RMSNorm epsilon must be finite and non-negative, got {qkNormEps}");
        if (ropeKv)
        {
            Expect(x[0] == 1, $"attention+rope+kv_append is for decode (one token), got {x}");
            Expect(x[1] > kc[0], $"attention+rope+kv_append takes q and k heads side by side: {x} must hold more than the {kc[0]} kv heads");
            Expect(x[2] % 2 == 0, $"attention+rope+kv_append needs an even head_dim, got {x}");
            var (table, v) = (inputs[4], inputs[5]);
            Expect(table.DType == DType.F32 && table.Rank == 3 && table[1] == x[2] / 2 && table[2] == 2,
                $"attention rope table must be f32 [positions, {x[2] / 2}, 2], got {table}");
            Expect(v.DType == DType.F32 && v.Equals(TensorType.Of(DType.F32, 1, kc[0], x[2])), $"attention v must be f32 [1, {kc[0]}, {x[2]}], got {v}");
            if (qkNormEps is not null)
                for (int i = 6; i < 8; i++)
                    Expect(inputs[i].Equals(TensorType.Of(DType.F16, x[2])),
                        $"attention's {(i == 6 ? "q" : "k")}_norm weight must be f16 [{x[2]}], got {inputs[i]}");
            Expect(outputs[1].Equals(kc) && outputs[2].Equals(kc), $"attention+rope+kv_append writes the caches it reads ({kc}), got {outputs[1]}, {outputs[2]}");
        }
        var q = QueryType(inputs, ropeKv);
        Expect(q[1] % kc[0] == 0, $"attention needs query heads ({q[1]}) to be a multiple of kv heads ({kc[0]})");
        Expect(step.DType == DType.U32 && step.Elements == 1, $"attention step must be u32[1] (the position of token 0), got {step}");
        var outType = splits > 1 ? PartialsType(q[1], splits, q[2]) : q;
        Expect(outputs[0].Equals(outType), splits > 1
            ? $"split attention writes partials {outType}, got {outputs[0]}"
            : $"attention writes the queries' shape {q}, got {outputs[0]}");
        Expect(float.IsFinite(scale), $"attention scale must be finite, got {scale}");
        Expect(window >= 0, $"attention window must be >= 0 (0 = none), got {window}");
    }

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps)
    {
        var (q, kc) = (QueryType(inputs, ropeKv), inputs[1]);
        uint minSubgroup = Math.Max(1, Math.Min(caps.MinSubgroupSize, caps.SubgroupSize));
        // CPU drivers: one subgroup per (token, head). Each invocation then walks more keys, but the merge needs no
        // shared memory or barrier, which lavapipe runs as coroutine switches: decode at 512 keys 1.43 -> 0.77 ms,
        // prefill of 512 tokens 419 -> 146 ms (64 and 32 wide measured too).
        uint wg = workgroupSize > 0 ? (uint)workgroupSize : caps.Kind == DeviceKind.Cpu ? Math.Max(1, caps.SubgroupSize) : GpuWorkgroupSize;
        uint subgroups = DivUp(wg, minSubgroup);
        uint dh = (uint)q[2];
        // reduce.glsl's two WG-slot arrays, the query row, the per-subgroup accumulators (and the current k and v).
        long shared = 4L * (2 * wg + dh + subgroups * dh + (ropeKv ? 2 * dh : 0));
        Expect(shared <= caps.MaxComputeSharedMemorySize,
            $"attention with head_dim {dh} needs {shared} bytes of shared memory; '{caps.Name}' has {caps.MaxComputeSharedMemorySize}");
        Expect(q[0] <= caps.MaxComputeWorkGroupCount[1],
            $"attention runs one workgroup row per token: {q[0]} tokens exceed the device's {caps.MaxComputeWorkGroupCount[1]}; split the prefill");
        Expect(q[1] <= caps.MaxComputeWorkGroupCount[0], $"attention: {q[1]} query heads exceed the device's workgroup count limit");
        bool texel = dh % 8 == 0 && (texelLoads ?? caps.TexelLoads);
        var (headsQ, headsKv, cacheRows) = ((uint)q[1], (uint)kc[0], (uint)kc[1]);
        byte[] push = !ropeKv ? ShaderLayout.Push(new PushBlock(headsQ, headsKv, cacheRows, (uint)window, scale))
            : qkNormEps is not { } eps ? ShaderLayout.Push(new RopeKvPushBlock(headsQ, headsKv, cacheRows, (uint)window, scale, (uint)inputs[4][0]))
            : ShaderLayout.Push(new RopeKvNormPushBlock(headsQ, headsKv, cacheRows, (uint)window, scale, (uint)inputs[4][0], eps));
        string shader = ropeKv ? qkNormEps is null ? "attention_rope_kv" : "attention_rope_kv_norm" : "attention";
        return new KernelDispatch(shader + (texel ? "_texel" : ""), ShaderLayout.Specialization(new Specialization(wg, dh, subgroups, (uint)splits)),
            push, (uint)q[1], (uint)(splits > 1 ? splits : q[0]))
        {
            // With rope+kv_append the queries and keys, the rope table and the values (and the norms' weights) are
            // texel buffers too.
            TexelBindings = texel ? ropeKv ? qkNormEps is null ? 0b110111u : 0b11110111u : 0b110u : 0u,
        };
    }

    /// <summary>nsg: the slots per dimension the cross-subgroup merge needs (workgroup size over the device's smallest
    /// subgroup); splits: workgroups per query head.</summary>
    [GlslSpecialization("attention_impl.glsl")]
    public readonly record struct Specialization(uint Wg, uint Dh, uint Nsg, uint Splits);

    /// <summary>The plain attention's push constants (prefill, or decode after rope and kv_append ran apart).</summary>
    [GlslPushConstants("attention_impl.glsl", Occurrence = 0)]
    public readonly record struct PushBlock(uint HeadsQ, uint HeadsKv, uint CacheRows, uint Window, float Scale);

    /// <summary>With rope+kv_append: positions is the rope table's row count, past which the output is NaN.</summary>
    [GlslPushConstants("attention_impl.glsl", Occurrence = 1)]
    public readonly record struct RopeKvPushBlock(uint HeadsQ, uint HeadsKv, uint CacheRows, uint Window, float Scale, uint Positions);

    /// <summary>With rope+kv_append and the q/k norms: eps is theirs.</summary>
    [GlslPushConstants("attention_impl.glsl", Occurrence = 2)]
    public readonly record struct RopeKvNormPushBlock(uint HeadsQ, uint HeadsKv, uint CacheRows, uint Window, float Scale, uint Positions, float Eps);

    /// <summary>Upper bound: every query sees the whole cache (the visible keys depend on step[0], which lives on the
    /// GPU). <see cref="CostAt"/> gives the cost at a known position.</summary>
    public override KernelCost Cost(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs) =>
        CostAt(inputs, Math.Max(0, inputs[1][1] - inputs[0][0]));

    /// <summary>Bytes and FLOPs when query n sits at position <paramref name="start"/> + n: q read and the output
    /// written once, each kv head's visible cache rows (the union over the queries) read once from K and from V,
    /// 4 FLOPs per (query head, visible key, dimension) for q.k and p.v; the softmax's exponentials are not counted.</summary>
    public KernelCost CostAt(IReadOnlyList<TensorType> inputs, int start)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        var (q, kc) = (QueryType(inputs, ropeKv), inputs[1]);
        int tokens = q[0], headsQ = q[1], headDim = q[2], headsKv = kc[0], cacheRows = kc[1];
        int Lo(int p) => window > 0 ? Math.Max(0, p - window + 1) : 0;
        double visibleKeys = 0;
        int lastRow = -1;
        for (int n = 0; n < tokens; n++)
        {
            int p = start + n;
            if (p >= cacheRows) break;  // the kernel writes NaN for these and reads nothing
            visibleKeys += p - Lo(p) + 1;
            lastRow = p;
        }
        double cacheBytes = lastRow < 0 ? 0 : 2.0 * headsKv * (lastRow - Lo(start) + 1) * headDim * 2;
        // With rope+kv_append: q and k read unrotated, v read, one table row, the key and value written as fp16
        // (the cache rows counted above include the current one, which this variant writes instead of reading).
        double ropeKvBytes = ropeKv ? (double)inputs[0].Bytes - q.Bytes + inputs[5].Bytes + (double)inputs[4].Bytes / inputs[4][0] : 0;
        if (qkNormEps is not null) ropeKvBytes += inputs[6].Bytes + inputs[7].Bytes;
        double outBytes = splits > 1 ? PartialsType(headsQ, splits, headDim).Bytes : q.Bytes;
        return new(q.Bytes + outBytes + cacheBytes + ropeKvBytes, 4.0 * headsQ * visibleKeys * headDim);
    }

    public override string Describe() =>
        $"attention{(qkNormEps is not null ? "+qk_norm" : "")}{(ropeKv ? "+rope+kv_append" : "")}(scale={scale}{(qkNormEps is { } e ? $", eps={e}" : "")}{(splits > 1 ? $", splits={splits}" : "")}{(window > 0 ? $", window={window}" : "")})";
}
