using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Graph;

/// <summary>A node as the compiler sees it after fusion: possibly several declared nodes in one kernel.</summary>
public sealed class PlannedNode
{
    public required string Name { get; init; }
    public required Kernel Kernel { get; init; }
    public required GraphTensor[] Inputs { get; init; }
    public required GraphTensor[] Outputs { get; init; }
    /// <summary>Names of the declared nodes this one replaces (one entry when not fused).</summary>
    public required string[] Declared { get; init; }

    // Filled by the compiler.
    public KernelDispatch? Dispatch { get; internal set; }
    public BufferRange[] Bindings { get; internal set; } = [];
    public bool BarrierBefore { get; internal set; }
    internal ComputePipeline? Pipeline { get; set; }
    internal Silk.NET.Vulkan.DescriptorSet Set { get; set; }

    public IEnumerable<GraphTensor> Tensors => Inputs.Concat(Outputs);
    public override string ToString() => $"{Name} ({Kernel.Describe()})";
}
