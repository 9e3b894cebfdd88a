using Silk.NET.Vulkan;

namespace QwenVk.Runtime.Vulkan;

/// <summary>GPU timestamps: a query pool and the conversion of ticks to nanoseconds.</summary>
public sealed unsafe class TimestampPool : IDisposable
{
    readonly VulkanContext _ctx;
    public QueryPool Handle { get; }
    public uint Capacity { get; }
    bool _disposed;

    public TimestampPool(VulkanContext ctx, uint capacity)
    {
        _ctx = ctx;
        Capacity = capacity;
        var info = new QueryPoolCreateInfo
        {
            SType = StructureType.QueryPoolCreateInfo,
            QueryType = QueryType.Timestamp,
            QueryCount = capacity,
        };
        VulkanException.Check(ctx.Vk.CreateQueryPool(ctx.Device, in info, null, out var pool), "vkCreateQueryPool");
        Handle = pool;
        ctx.Track(this);
    }

    /// <summary>Reads <paramref name="count"/> timestamps (waiting for them) as nanoseconds.</summary>
    public double[] ReadNanoseconds(uint count)
    {
        var ticks = new ulong[count];
        fixed (ulong* p = ticks)
            VulkanException.Check(_ctx.Vk.GetQueryPoolResults(_ctx.Device, Handle, 0, count, (nuint)(count * 8), p, 8,
                QueryResultFlags.Result64Bit | QueryResultFlags.ResultWaitBit), "vkGetQueryPoolResults");
        double period = _ctx.Capabilities.TimestampPeriodNs;
        return ticks.Select(t => t * period).ToArray();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _ctx.Vk.DestroyQueryPool(_ctx.Device, Handle, null);
        _ctx.Untrack(this);
    }
}
