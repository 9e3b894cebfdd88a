using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>Writes this step's keys and values into the fp16 KV cache: inputs k, v f32 [N, Hkv, Dh] and step u32 [1];
/// outputs kCache, vCache f16 [Hkv, C, Dh], rows step[0] .. step[0] + N - 1 written, every other row untouched.
/// The host must keep step[0] + N &lt;= C: rows past the cache are dropped, not wrapped.</summary>
public sealed class KvAppendKernel : Kernel
{
    public override string Kind => "kv_append";
    public override int InputCount => 3;
    public override int OutputCount => 2;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        ExpectCounts(this, inputs, outputs);
        var (k, v, step) = (inputs[0], inputs[1], inputs[2]);
        Expect(k.DType == DType.F32 && k.Rank == 3, $"kv_append k must be f32 [tokens, kv_heads, head_dim], got {k}");
        Expect(v.Equals(k), $"kv_append v must match k {k}, got {v}");
        Expect(step.DType == DType.U32 && step.Elements == 1, $"kv_append step must be u32[1] (the position of token 0), got {step}");
        foreach (var c in outputs)
            Expect(c.DType == DType.F16 && c.Rank == 3 && c[0] == k[1] && c[2] == k[2],
                $"kv_append cache must be f16 [{k[1]}, cache_rows, {k[2]}] for k {k}, got {c}");
        Expect(outputs[0].Equals(outputs[1]), $"kv_append caches differ: {outputs[0]} vs {outputs[1]}");
        Expect(k[0] <= outputs[0][1], $"kv_append of {k[0]} tokens cannot fit a cache of {outputs[0][1]} rows");
    }

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps)
    {
        var k = inputs[0];
        var (gx, gy) = Elementwise.Grid(k.Elements);
        return new KernelDispatch("kv_append", [],
            ShaderLayout.Push(new PushBlock((uint)k.Elements, (uint)k[1], (uint)k[2], (uint)outputs[0][1])), gx, gy);
    }

    /// <summary>n: elements of k (and of v), one invocation each.</summary>
    [GlslPushConstants("kv_append.comp")]
    public readonly record struct PushBlock(uint N, uint Heads, uint HeadDim, uint CacheRows);

    /// <summary>k and v read as f32, only their N rows written to each cache as f16 (not the whole cache).</summary>
    public override KernelCost Cost(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs) =>
        new(inputs[0].Bytes * 2 + inputs[0].Elements * 2.0 * 2, 0);
}
