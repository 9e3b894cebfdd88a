namespace QwenVk.Runtime.Vulkan;

/// <summary>A byte range of a buffer, as bound to one kernel binding.</summary>
public readonly record struct BufferRange(GpuBuffer Buffer, ulong Offset, ulong Size)
{
    /// <summary>The largest minStorageBufferOffsetAlignment Vulkan allows: an offset that is a multiple of it can be
    /// bound on every device (row chunks, graph slices, stacked weights, arena slots).</summary>
    public const ulong PortableAlignment = 256;

    public static implicit operator BufferRange(GpuBuffer b) => new(b, 0, b.Size);
}
