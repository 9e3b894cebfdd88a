using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>Rotary position embedding, NeoX / rotate_half layout. Inputs x f32 [N, H, Dh], table f32 [P, Dh/2, 2]
/// (<see cref="RopeTable"/>), step u32 [1] (step[0] = absolute position of token 0, rewritten by the host each
/// decode step); output f32 [N, H, Dh]. Positions past the table come out NaN. Decode with q and k side by side
/// ropes inside attention instead (<see cref="AttentionKernel.RopeKv"/>).</summary>
public sealed class RopeKernel : Kernel
{
    public override string Kind => "rope";
    public override int InputCount => 3;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        ExpectCounts(this, inputs, outputs);
        var (x, table, step) = (inputs[0], inputs[1], inputs[2]);
        Expect(x.DType == DType.F32 && x.Rank == 3, $"rope x must be f32 [tokens, heads, head_dim], got {x}");
        Expect(x[2] % 2 == 0 && x[2] > 0, $"rope needs an even head_dim, got {x}");
        Expect(table.DType == DType.F32 && table.Rank == 3 && table[1] == x[2] / 2 && table[2] == 2,
            $"rope table must be f32 [positions, {x[2] / 2}, 2] for {x}, got {table}");
        Expect(step.DType == DType.U32 && step.Elements == 1, $"rope step must be u32[1] (the position of token 0), got {step}");
        Expect(x.Equals(outputs[0]), $"rope writes x's shape, got {x} -> {outputs[0]}");
    }

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps)
    {
        var (x, table) = (inputs[0], inputs[1]);
        long pairs = x.Elements / 2;
        var (gx, gy) = Elementwise.Grid(pairs);
        return new KernelDispatch("rope", [], ShaderLayout.Push(new PushBlock((uint)pairs, (uint)(x[2] / 2), (uint)x[1], (uint)table[0])), gx, gy);
    }

    /// <summary>pairs: (a, b) pairs in x, one invocation each; positions: the table's rows, past which the output is NaN.</summary>
    [GlslPushConstants("rope.comp")]
    public readonly record struct PushBlock(uint Pairs, uint HalfDim, uint Heads, uint Positions);

    /// <summary>x read and written once, and only the N positions' rows of the table (not all of it).</summary>
    public override KernelCost Cost(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        var (x, table) = (inputs[0], inputs[1]);
        double tableRow = (double)table.Bytes / table[0];
        return new(x.Bytes * 2.0 + Math.Min(x[0], table[0]) * tableRow, 6.0 * x.Elements / 2);
    }

    public override string Describe() => "rope";
}
