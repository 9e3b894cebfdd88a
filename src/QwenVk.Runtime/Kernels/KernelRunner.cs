using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>Runs one kernel outside any graph: validate, plan, bind, dispatch, wait. For tests, checks and
/// micro-benchmarks; models go through the graph scheduler.</summary>
public static class KernelRunner
{
    public static void Run(VulkanContext ctx, Kernel kernel, IReadOnlyList<DeviceTensor> inputs, IReadOnlyList<DeviceTensor> outputs)
    {
        using var prepared = Prepare(ctx, kernel, inputs, outputs);
        ctx.Run(r => prepared.Record(r));
    }

    public static PreparedKernel Prepare(VulkanContext ctx, Kernel kernel, IReadOnlyList<DeviceTensor> inputs, IReadOnlyList<DeviceTensor> outputs)
    {
        var inTypes = inputs.Select(t => t.Type).ToArray();
        var outTypes = outputs.Select(t => t.Type).ToArray();
        kernel.Validate(inTypes, outTypes);
        var plan = kernel.Plan(inTypes, outTypes, ctx.Capabilities);
        var pipeline = ctx.GetPipeline(plan.Shader, inputs.Count + outputs.Count, (uint)plan.PushConstants.Length, plan.Specialization, plan.TexelBindings);
        var arena = new DescriptorArena(ctx, 1, inputs.Count + outputs.Count);
        var set = arena.Allocate(pipeline, inputs.Concat(outputs).Select(t => t.Range).ToArray());
        return new PreparedKernel(arena, pipeline, set, plan);
    }
}

/// <summary>A kernel bound to buffers, ready to be recorded any number of times.</summary>
public sealed class PreparedKernel(DescriptorArena arena, ComputePipeline pipeline, Silk.NET.Vulkan.DescriptorSet set, KernelDispatch plan) : IDisposable
{
    public KernelDispatch Plan => plan;

    public void Record(CommandRecorder r) =>
        r.Dispatch(pipeline, set, plan.PushConstants, plan.GroupsX, plan.GroupsY, plan.GroupsZ);

    public void Dispose() => arena.Dispose();
}
