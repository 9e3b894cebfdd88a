using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>Index of the maximum of each row (last dimension), the smallest index on ties: x f32 [R, C] -> u32 [R].
/// Greedy sampling. <paramref name="texelLoads"/>: read x through a texel buffer (true; needs C % 4 == 0), storage
/// buffers (false) or as the device prefers (null, <see cref="DeviceCapabilities.TexelLoads"/>, where C allows).</summary>
public sealed class ArgmaxKernel(bool? texelLoads = null) : Kernel
{
    public override string Kind => "argmax";
    public override int InputCount => 1;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        ExpectCounts(this, inputs, outputs);
        var x = inputs[0];
        Expect(x.DType == DType.F32, $"argmax takes f32, got {x}");
        Expect(x.Rank >= 1 && x[-1] > 0, $"argmax needs a non-empty last dimension, got {x}");
        Expect(outputs[0].DType == DType.U32 && outputs[0].Elements == x.Rows,
            $"argmax writes u32[{x.Rows}] (one index per row of {x}), got {outputs[0]}");
    }

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps)
    {
        var x = inputs[0];
        var (gx, gy) = RowGrid.For(x.Rows);
        // CPU drivers: one subgroup per row (see RmsNormKernel).
        uint wg = caps.Kind == DeviceKind.Cpu ? Math.Max(1, caps.SubgroupSize) : RowGrid.GpuWorkgroup(caps, x.Rows, x[-1]);
        bool texel = (texelLoads ?? caps.TexelLoads) && x[-1] % 4 == 0;
        Expect(texel || texelLoads != true, $"argmax texel loads need rows of a multiple of 4 floats, got {x}");
        return new KernelDispatch(texel ? "argmax_texel" : "argmax", ShaderLayout.Specialization(new Specialization(wg)),
            ShaderLayout.Push(new PushBlock((uint)x.Rows, (uint)x[-1])), gx, gy)
        {
            TexelBindings = texel ? 1u : 0u,
        };
    }

    [GlslSpecialization("argmax_impl.glsl")]
    public readonly record struct Specialization(uint Wg);

    [GlslPushConstants("argmax_impl.glsl")]
    public readonly record struct PushBlock(uint Rows, uint Cols);
}
