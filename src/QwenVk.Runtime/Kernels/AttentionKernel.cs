using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>
/// Causal grouped-query attention over the fp16 KV cache. Inputs q f32 [N, Hq, Dh], kCache and vCache f16
/// [Hkv, C, Dh], step u32 [4]; output f32 [N, Hq, Dh]. Query n sits at position p = step[0] + n and attends to cache
/// rows [lo, p], lo = 0 or, with a sliding <paramref name="window"/> &gt; 0, max(0, p - window + 1); query head h
/// reads kv head h / (Hq / Hkv). The cache rows up to p must already hold this step's keys (kv_append first).
/// A position past the cache yields NaN. <paramref name="texelLoads"/>: read the caches through texel buffers (true),
/// storage buffers (false) or as the device prefers (null, <see cref="DeviceCapabilities.TexelLoads"/>); texel loads
/// need head_dim % 8 == 0. <paramref name="workgroupSize"/>: invocations per (token, head), 0 = chosen per device
/// (tests set it to cover every choice on any device).
/// </summary>
public sealed class AttentionKernel(float scale, int window = 0, bool? texelLoads = null, int workgroupSize = 0) : Kernel
{
    /// <summary>Invocations per (token, head) on GPUs: enough to split a few thousand keys, few enough to keep the
    /// per-invocation fp32 accumulator of Dh floats in registers.</summary>
    const uint GpuWorkgroupSize = 64;

    public float Scale => scale;
    public int Window => window;
    public bool? TexelLoads => texelLoads;

    public override string Kind => "attention";
    public override int InputCount => 4;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        ExpectCounts(this, inputs, outputs);
        var (q, kc, vc, step) = (inputs[0], inputs[1], inputs[2], inputs[3]);
        Expect(q.DType == DType.F32 && q.Rank == 3 && q.Elements > 0, $"attention q must be f32 [tokens, heads, head_dim], got {q}");
        Expect(kc.DType == DType.F16 && kc.Rank == 3 && kc[2] == q[2] && kc[1] > 0,
            $"attention k cache must be f16 [kv_heads, cache_rows, {q[2]}] for q {q}, got {kc}");
        Expect(vc.Equals(kc), $"attention v cache must match the k cache {kc}, got {vc}");
        Expect(q[1] % kc[0] == 0, $"attention needs query heads ({q[1]}) to be a multiple of kv heads ({kc[0]})");
        Expect(step.DType == DType.U32 && step.Elements == 4, $"attention step must be u32[4], got {step}");
        Expect(outputs[0].DType == DType.F32 && outputs[0].Equals(q), $"attention writes q's shape {q}, got {outputs[0]}");
        Expect(float.IsFinite(scale), $"attention scale must be finite, got {scale}");
        Expect(window >= 0, $"attention window must be >= 0 (0 = none), got {window}");
    }

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps)
    {
        var (q, kc) = (inputs[0], inputs[1]);
        uint minSubgroup = Math.Max(1, Math.Min(caps.MinSubgroupSize, caps.SubgroupSize));
        // CPU drivers: one subgroup per (token, head). Each invocation then walks more keys, but the merge needs no
        // shared memory or barrier, which lavapipe runs as coroutine switches: decode at 512 keys 1.43 -> 0.77 ms,
        // prefill of 512 tokens 419 -> 146 ms (64 and 32 wide measured too).
        uint wg = workgroupSize > 0 ? (uint)workgroupSize : caps.Kind == DeviceKind.Cpu ? Math.Max(1, caps.SubgroupSize) : GpuWorkgroupSize;
        uint subgroups = DivUp(wg, minSubgroup);
        uint dh = (uint)q[2];
        // reduce.glsl's two WG-slot arrays, the query row and the per-subgroup accumulators.
        long shared = 4L * (2 * wg + dh + subgroups * dh);
        Expect(shared <= caps.MaxComputeSharedMemorySize,
            $"attention with head_dim {dh} needs {shared} bytes of shared memory; '{caps.Name}' has {caps.MaxComputeSharedMemorySize}");
        Expect(q[0] <= caps.MaxComputeWorkGroupCount[1],
            $"attention runs one workgroup row per token: {q[0]} tokens exceed the device's {caps.MaxComputeWorkGroupCount[1]}; split the prefill");
        Expect(q[1] <= caps.MaxComputeWorkGroupCount[0], $"attention: {q[1]} query heads exceed the device's workgroup count limit");
        bool texel = dh % 8 == 0 && (texelLoads ?? caps.TexelLoads);
        return new KernelDispatch(texel ? "attention_texel" : "attention", [wg, dh, subgroups],
            new PushConstants().U(q[1]).U(kc[0]).U(kc[1]).U(window).F(scale), (uint)q[1], (uint)q[0])
        {
            TexelBindings = texel ? 0b110u : 0u,
        };
    }

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
        var (q, kc) = (inputs[0], inputs[1]);
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
        return new(q.Bytes * 2.0 + cacheBytes, 4.0 * headsQ * visibleKeys * headDim);
    }

    public override string Describe() => window > 0 ? $"attention(scale={scale}, window={window})" : $"attention(scale={scale})";
}
