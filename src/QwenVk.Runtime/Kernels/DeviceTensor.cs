using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>A typed view of a buffer range: what a kernel binding sees.</summary>
public sealed record DeviceTensor(BufferRange Range, TensorType Type)
{
    /// <summary>Allocates a buffer of its own for <paramref name="type"/> (tests and one-off work).</summary>
    public static DeviceTensor Create(VulkanContext ctx, TensorType type, string name) =>
        new(ctx.CreateBuffer(type.Bytes, name), type);

    public GpuBuffer Buffer => Range.Buffer;
}
