namespace QwenVk.Runtime.Vulkan;

/// <summary>A byte range of a buffer, as bound to one kernel binding.</summary>
public readonly record struct BufferRange(GpuBuffer Buffer, ulong Offset, ulong Size)
{
    public static implicit operator BufferRange(GpuBuffer b) => new(b, 0, b.Size);
}
