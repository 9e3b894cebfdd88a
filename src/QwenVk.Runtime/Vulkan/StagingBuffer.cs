using Silk.NET.Vulkan;

namespace QwenVk.Runtime.Vulkan;

/// <summary>The copy path for device memory the host cannot map (discrete GPUs): host-visible bounce buffer,
/// vkCmdCopyBuffer in chunks.</summary>
sealed unsafe class StagingBuffer : IDisposable
{
    readonly VulkanContext _ctx;
    readonly GpuBuffer _host;

    public StagingBuffer(VulkanContext ctx, ulong size)
    {
        _ctx = ctx;
        _host = new GpuBuffer(ctx, size, BufferKind.HostVisible, "staging");
        if (!_host.IsMapped) throw new VulkanException("the staging buffer could not be mapped.");
        ctx.Track(this);
    }

    public void Upload(GpuBuffer dst, ReadOnlySpan<byte> data, ulong offset)
    {
        lock (this)
        {
            for (int done = 0; done < data.Length;)
            {
                int n = (int)Math.Min((ulong)(data.Length - done), _host.Size);
                data.Slice(done, n).CopyTo(new Span<byte>(_host.Mapped, n));
                ulong dstOffset = offset + (ulong)done;
                _ctx.Run(r => r.Copy(_host, 0, dst, dstOffset, (ulong)n));
                done += n;
            }
        }
    }

    public void Download(GpuBuffer src, Span<byte> data, ulong offset)
    {
        lock (this)
        {
            for (int done = 0; done < data.Length;)
            {
                int n = (int)Math.Min((ulong)(data.Length - done), _host.Size);
                ulong srcOffset = offset + (ulong)done;
                _ctx.Run(r => r.Copy(src, srcOffset, _host, 0, (ulong)n));
                new ReadOnlySpan<byte>(_host.Mapped, n).CopyTo(data.Slice(done, n));
                done += n;
            }
        }
    }

    public void Dispose()
    {
        _host.Dispose();
        _ctx.Untrack(this);
    }
}
