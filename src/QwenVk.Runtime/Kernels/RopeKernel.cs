using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>Rotary position embedding, NeoX / rotate_half layout. Inputs x f32 [N, H, Dh], table f32 [P, Dh/2, 2]
/// (<see cref="RopeTable"/>), step u32 [4] (step[0] = absolute position of token 0, rewritten by the host each
/// decode step); output f32 [N, H, Dh]. Positions past the table come out NaN.
/// With <paramref name="appendKv"/> it does <see cref="KvAppendKernel"/>'s work too: the last Hkv heads of x are keys,
/// a fourth input v f32 [N, Hkv, Dh] holds the values, and two more outputs, the fp16 caches [Hkv, C, Dh], receive the
/// rotated keys and the values at rows step[0] .. step[0] + N - 1 (decode: q and k roped side by side, one dispatch).</summary>
public sealed class RopeKernel(bool appendKv = false) : Kernel
{
    public bool AppendKv => appendKv;
    public override string Kind => "rope";
    public override int InputCount => appendKv ? 4 : 3;
    public override int OutputCount => appendKv ? 3 : 1;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        ExpectCounts(this, inputs, outputs);
        var (x, table, step) = (inputs[0], inputs[1], inputs[2]);
        Expect(x.DType == DType.F32 && x.Rank == 3, $"rope x must be f32 [tokens, heads, head_dim], got {x}");
        Expect(x[2] % 2 == 0 && x[2] > 0, $"rope needs an even head_dim, got {x}");
        Expect(table.DType == DType.F32 && table.Rank == 3 && table[1] == x[2] / 2 && table[2] == 2,
            $"rope table must be f32 [positions, {x[2] / 2}, 2] for {x}, got {table}");
        Expect(step.DType == DType.U32 && step.Elements == 4, $"rope step must be u32[4], got {step}");
        Expect(x.Equals(outputs[0]), $"rope writes x's shape, got {x} -> {outputs[0]}");
        if (!appendKv) return;
        var v = inputs[3];
        Expect(v.DType == DType.F32 && v.Rank == 3 && v[0] == x[0] && v[1] <= x[1] && v[2] == x[2],
            $"rope+kv_append: v must be f32 [{x[0]}, kv_heads <= {x[1]}, {x[2]}] (the keys are x's last kv_heads heads), got {v}");
        foreach (var c in outputs.Skip(1))
            Expect(c.DType == DType.F16 && c.Rank == 3 && c[0] == v[1] && c[2] == v[2],
                $"rope+kv_append: caches must be f16 [{v[1]}, cache_rows, {v[2]}] for v {v}, got {c}");
        Expect(outputs[1].Equals(outputs[2]), $"rope+kv_append caches differ: {outputs[1]} vs {outputs[2]}");
        Expect(x[0] <= outputs[1][1], $"rope+kv_append of {x[0]} tokens cannot fit a cache of {outputs[1][1]} rows");
    }

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps)
    {
        var (x, table) = (inputs[0], inputs[1]);
        long pairs = x.Elements / 2;
        var (gx, gy) = Elementwise.Grid(pairs);
        var push = new PushConstants().U(pairs).U(x[2] / 2).U(x[1]).U(table[0]);
        return appendKv
            ? new KernelDispatch("rope_kv", [], push.U(inputs[3][1]).U(outputs[1][1]), gx, gy)
            : new KernelDispatch("rope", [], push, gx, gy);
    }

    /// <summary>x read and written once, and only the N positions' rows of the table (not all of it).</summary>
    public override KernelCost Cost(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        var (x, table) = (inputs[0], inputs[1]);
        double tableRow = (double)table.Bytes / table[0];
        double kv = appendKv ? inputs[3].Bytes + inputs[3].Elements * 2.0 * 2 : 0;  // v read, keys and values written as f16
        return new(x.Bytes * 2.0 + Math.Min(x[0], table[0]) * tableRow + kv, 6.0 * x.Elements / 2);
    }

    public override string Describe() => appendKv ? "rope+kv_append" : "rope";
}
