using Silk.NET.Vulkan;
using VkBuffer = Silk.NET.Vulkan.Buffer;

namespace QwenVk.Runtime.Vulkan;

public enum BufferKind
{
    /// <summary>GPU memory for kernels. Mapped directly when the device has unified memory, else filled by staging.</summary>
    DeviceLocal,
    /// <summary>Host-visible memory the CPU writes every step (small parameter blocks, staging).</summary>
    HostVisible,
}

/// <summary>One VkBuffer with its own memory. Upload and download go through a staging copy when the memory
/// cannot be mapped (discrete GPUs).</summary>
public sealed unsafe class GpuBuffer : IDisposable
{
    readonly VulkanContext _ctx;
    public VkBuffer Handle { get; }
    public DeviceMemory Memory { get; }
    public ulong Size { get; }
    public string Name { get; }
    /// <summary>Host pointer when the memory is mapped; null on device-only memory.</summary>
    public byte* Mapped { get; }
    public bool IsMapped => Mapped != null;
    bool _disposed;

    internal GpuBuffer(VulkanContext ctx, ulong size, BufferKind kind, string name)
    {
        _ctx = ctx;
        Size = size;
        Name = name;
        var vk = ctx.Vk;
        var caps = ctx.Capabilities;
        if (size > caps.MaxMemoryAllocationSize)
            throw new VulkanException($"buffer '{name}' needs {Mib(size)} but this device allocates at most {Mib(caps.MaxMemoryAllocationSize)} at once (maxMemoryAllocationSize); split the tensor.");
        var info = new BufferCreateInfo
        {
            SType = StructureType.BufferCreateInfo,
            Size = Math.Max(size, 4),
            Usage = BufferUsageFlags.StorageBufferBit | BufferUsageFlags.UniformTexelBufferBit | BufferUsageFlags.TransferSrcBit | BufferUsageFlags.TransferDstBit,
            SharingMode = SharingMode.Exclusive,
        };
        VulkanException.Check(vk.CreateBuffer(ctx.Device, in info, null, out var buffer), "vkCreateBuffer", $"buffer '{name}', {Mib(size)}");
        Handle = buffer;
        try
        {
            vk.GetBufferMemoryRequirements(ctx.Device, buffer, out var req);
            var flags = kind == BufferKind.HostVisible
                ? MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit
                : MemoryPropertyFlags.DeviceLocalBit;
            // On unified memory, device-local memory is also mappable: prefer that, then uploads need no staging.
            var preferred = kind == BufferKind.DeviceLocal && caps.UnifiedMemory
                ? flags | MemoryPropertyFlags.HostVisibleBit | MemoryPropertyFlags.HostCoherentBit
                : flags;
            int type = ctx.FindMemoryType(req.MemoryTypeBits, preferred);
            if (type < 0) type = ctx.FindMemoryType(req.MemoryTypeBits, flags);
            if (type < 0 && kind == BufferKind.DeviceLocal) type = ctx.FindMemoryType(req.MemoryTypeBits, 0);
            if (type < 0) throw new VulkanException($"no memory type fits buffer '{name}' ({flags}).");
            var alloc = new MemoryAllocateInfo
            {
                SType = StructureType.MemoryAllocateInfo,
                AllocationSize = req.Size,
                MemoryTypeIndex = (uint)type,
            };
            var r = vk.AllocateMemory(ctx.Device, in alloc, null, out var memory);
            if (r is Result.ErrorOutOfDeviceMemory or Result.ErrorOutOfHostMemory)
                throw new OutOfDeviceMemoryException(name, size, r);
            VulkanException.Check(r, "vkAllocateMemory", $"buffer '{name}', {Mib(size)}");
            Memory = memory;
            _allocationSize = req.Size;
            VulkanException.Check(vk.BindBufferMemory(ctx.Device, buffer, memory, 0), "vkBindBufferMemory");
            var props = ctx.MemoryProperties.MemoryTypes[type].PropertyFlags;
            bool mappable = (props & MemoryPropertyFlags.HostVisibleBit) != 0 && (props & MemoryPropertyFlags.HostCoherentBit) != 0;
            if (mappable && !(kind == BufferKind.DeviceLocal && ctx.ForceStaging))
            {
                void* p;
                VulkanException.Check(vk.MapMemory(ctx.Device, memory, 0, Vk.WholeSize, 0, &p), "vkMapMemory");
                Mapped = (byte*)p;
            }
        }
        catch
        {
            if (Memory.Handle != 0) vk.FreeMemory(ctx.Device, Memory, null);
            vk.DestroyBuffer(ctx.Device, buffer, null);
            throw;
        }
        ctx.Track(this);
        ctx.CountAllocation((long)_allocationSize);
    }

    readonly ulong _allocationSize;

    static string Mib(ulong bytes) => $"{bytes / (1024.0 * 1024.0):F1} MiB";

    /// <summary>Copies host bytes into the buffer at <paramref name="offset"/>.</summary>
    public void Upload(ReadOnlySpan<byte> data, ulong offset = 0)
    {
        CheckRange(offset, (ulong)data.Length);
        if (IsMapped) data.CopyTo(new Span<byte>(Mapped + offset, data.Length));
        else _ctx.Staging.Upload(this, data, offset);
    }

    public void Upload<T>(ReadOnlySpan<T> data, ulong offset = 0) where T : unmanaged =>
        Upload(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data), offset);

    /// <summary>Copies buffer bytes at <paramref name="offset"/> into host memory. The caller must have waited for
    /// the GPU work that wrote them.</summary>
    public void Download(Span<byte> data, ulong offset = 0)
    {
        CheckRange(offset, (ulong)data.Length);
        if (IsMapped) new ReadOnlySpan<byte>(Mapped + offset, data.Length).CopyTo(data);
        else _ctx.Staging.Download(this, data, offset);
    }

    public void Download<T>(Span<T> data, ulong offset = 0) where T : unmanaged =>
        Download(System.Runtime.InteropServices.MemoryMarshal.AsBytes(data), offset);

    public T[] Read<T>(int count, ulong offset = 0) where T : unmanaged
    {
        var a = new T[count];
        Download<T>(a, offset);
        return a;
    }

    /// <summary>Fills the buffer with a 32-bit pattern (tests poison outputs with NaN this way).</summary>
    public void Fill(uint pattern) => _ctx.FillBuffer(this, pattern);

    void CheckRange(ulong offset, ulong length)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (offset + length > Size)
            throw new ArgumentOutOfRangeException(nameof(offset), $"buffer '{Name}' holds {Size} bytes; asked for {length} at {offset}.");
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        var vk = _ctx.Vk;
        if (IsMapped) vk.UnmapMemory(_ctx.Device, Memory);
        vk.DestroyBuffer(_ctx.Device, Handle, null);
        vk.FreeMemory(_ctx.Device, Memory, null);
        _ctx.CountAllocation(-(long)_allocationSize);
        _ctx.Untrack(this);
    }
}

/// <summary>The device ran out of memory for a named buffer. Says how much was asked and what to try.</summary>
public sealed class OutOfDeviceMemoryException : Exception
{
    public ulong RequestedBytes { get; }

    public OutOfDeviceMemoryException(string name, ulong bytes, Result result)
        : base($"out of device memory allocating '{name}' ({bytes / (1024.0 * 1024.0):F1} MiB, {result}). Use a smaller model or a shorter context length, or free GPU memory used by other programs.")
    {
        RequestedBytes = bytes;
    }
}
