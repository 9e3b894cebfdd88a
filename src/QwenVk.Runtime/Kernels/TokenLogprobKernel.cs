using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>Log-softmax of each row of x at one index per row: x f32 [R, C], targets u32 [R] -> f32 [R], where
/// out[r] = x[r, t] - log(sum_c exp(x[r, c])), t = targets[r]; a target outside 0..C-1 gives NaN. Scores given
/// tokens (perplexity) while reading back one float per row instead of the row.</summary>
public sealed class TokenLogprobKernel : Kernel
{
    public override string Kind => "token_logprob";
    public override int InputCount => 2;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        ExpectCounts(this, inputs, outputs);
        var (x, targets, o) = (inputs[0], inputs[1], outputs[0]);
        Expect(x.DType == DType.F32, $"token_logprob takes f32 rows, got {x}");
        Expect(x.Rank >= 1 && x[-1] > 0, $"token_logprob needs a non-empty last dimension, got {x}");
        Expect(targets.DType == DType.U32 && targets.Elements == x.Rows,
            $"token_logprob takes one u32 target per row of {x}, got {targets}");
        Expect(o.DType == DType.F32 && o.Elements == x.Rows,
            $"token_logprob writes f32[{x.Rows}] (one per row of {x}), got {o}");
    }

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps)
    {
        var x = inputs[0];
        var (gx, gy) = RowGrid.For(x.Rows);
        // CPU drivers: one subgroup per row, so the reductions need no barrier between subgroups (see RmsNormKernel);
        // there are many rows (a window of positions) to keep every driver thread busy.
        uint wg = caps.Kind == DeviceKind.Cpu ? Math.Max(1, caps.SubgroupSize) : RowGrid.GpuWorkgroup(caps, x.Rows, x[-1]);
        return new KernelDispatch("token_logprob", ShaderLayout.Specialization(new Specialization(wg)), ShaderLayout.Push(new PushBlock((uint)x.Rows, (uint)x[-1])), gx, gy);
    }

    [GlslSpecialization("token_logprob.comp")]
    public readonly record struct Specialization(uint Wg);

    [GlslPushConstants("token_logprob.comp")]
    public readonly record struct PushBlock(uint Rows, uint Cols);
}
