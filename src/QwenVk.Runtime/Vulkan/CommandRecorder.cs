using Silk.NET.Vulkan;

namespace QwenVk.Runtime.Vulkan;

/// <summary>One primary command buffer and its fence: record dispatches and barriers, submit, wait, replay.</summary>
public sealed unsafe class CommandRecorder : IDisposable
{
    readonly VulkanContext _ctx;
    readonly CommandBuffer _cmd;
    readonly Fence _fence;
    bool _pending;
    bool _disposed;

    public CommandBuffer Handle => _cmd;
    public int DispatchCount { get; private set; }
    public int BarrierCount { get; private set; }

    public CommandRecorder(VulkanContext ctx)
    {
        _ctx = ctx;
        var vk = ctx.Vk;
        var alloc = new CommandBufferAllocateInfo
        {
            SType = StructureType.CommandBufferAllocateInfo,
            CommandPool = ctx.CommandPool,
            Level = CommandBufferLevel.Primary,
            CommandBufferCount = 1,
        };
        lock (ctx.QueueLock)
            VulkanException.Check(vk.AllocateCommandBuffers(ctx.Device, in alloc, out _cmd), "vkAllocateCommandBuffers");
        var fenceInfo = new FenceCreateInfo { SType = StructureType.FenceCreateInfo };
        VulkanException.Check(vk.CreateFence(ctx.Device, in fenceInfo, null, out _fence), "vkCreateFence");
    }

    public void Begin(bool oneTime)
    {
        var info = new CommandBufferBeginInfo
        {
            SType = StructureType.CommandBufferBeginInfo,
            Flags = oneTime ? CommandBufferUsageFlags.OneTimeSubmitBit : 0,
        };
        VulkanException.Check(_ctx.Vk.BeginCommandBuffer(_cmd, in info), "vkBeginCommandBuffer");
        DispatchCount = 0;
        BarrierCount = 0;
    }

    public void End() => VulkanException.Check(_ctx.Vk.EndCommandBuffer(_cmd), "vkEndCommandBuffer");

    public void Dispatch(ComputePipeline pipeline, DescriptorSet set, ReadOnlySpan<byte> push, uint x, uint y = 1, uint z = 1)
    {
        var vk = _ctx.Vk;
        var max = _ctx.Capabilities.MaxComputeWorkGroupCount;
        if (x > max[0] || y > max[1] || z > max[2])
            throw new VulkanException($"dispatch of '{pipeline.Shader}' asks for {x}x{y}x{z} workgroups; the device allows {max[0]}x{max[1]}x{max[2]}.");
        vk.CmdBindPipeline(_cmd, PipelineBindPoint.Compute, pipeline.Handle);
        vk.CmdBindDescriptorSets(_cmd, PipelineBindPoint.Compute, pipeline.Layout, 0, 1, in set, 0, null);
        if (push.Length > 0)
            fixed (byte* p = push)
                vk.CmdPushConstants(_cmd, pipeline.Layout, ShaderStageFlags.ComputeBit, 0, (uint)push.Length, p);
        vk.CmdDispatch(_cmd, x, y, z);
        DispatchCount++;
    }

    /// <summary>Shader writes before this point are visible to shader reads and writes after it
    /// (and to transfers, for the copies tests and staging do).</summary>
    public void Barrier()
    {
        var barrier = new MemoryBarrier
        {
            SType = StructureType.MemoryBarrier,
            SrcAccessMask = AccessFlags.ShaderWriteBit | AccessFlags.ShaderReadBit | AccessFlags.TransferWriteBit | AccessFlags.TransferReadBit | AccessFlags.HostWriteBit,
            DstAccessMask = AccessFlags.ShaderReadBit | AccessFlags.ShaderWriteBit | AccessFlags.TransferReadBit | AccessFlags.TransferWriteBit | AccessFlags.HostReadBit,
        };
        _ctx.Vk.CmdPipelineBarrier(_cmd,
            PipelineStageFlags.ComputeShaderBit | PipelineStageFlags.TransferBit | PipelineStageFlags.HostBit,
            PipelineStageFlags.ComputeShaderBit | PipelineStageFlags.TransferBit | PipelineStageFlags.HostBit,
            0, 1, &barrier, 0, null, 0, null);
        BarrierCount++;
    }

    public void Copy(GpuBuffer src, ulong srcOffset, GpuBuffer dst, ulong dstOffset, ulong size)
    {
        var region = new BufferCopy { SrcOffset = srcOffset, DstOffset = dstOffset, Size = size };
        _ctx.Vk.CmdCopyBuffer(_cmd, src.Handle, dst.Handle, 1, &region);
    }

    public void Fill(GpuBuffer buffer, uint pattern) =>
        _ctx.Vk.CmdFillBuffer(_cmd, buffer.Handle, 0, Vk.WholeSize, pattern);

    public void ResetQueries(QueryPool pool, uint first, uint count) => _ctx.Vk.CmdResetQueryPool(_cmd, pool, first, count);

    public void Timestamp(QueryPool pool, uint index) =>
        _ctx.Vk.CmdWriteTimestamp(_cmd, PipelineStageFlags.BottomOfPipeBit, pool, index);

    /// <summary>Submits without waiting; <see cref="Wait"/> blocks until the GPU is done.</summary>
    public void Submit()
    {
        if (_pending) Wait();
        var vk = _ctx.Vk;
        VulkanException.Check(vk.ResetFences(_ctx.Device, 1, in _fence), "vkResetFences");
        var cmd = _cmd;
        var info = new SubmitInfo { SType = StructureType.SubmitInfo, CommandBufferCount = 1, PCommandBuffers = &cmd };
        lock (_ctx.QueueLock)
            VulkanException.Check(vk.QueueSubmit(_ctx.Queue, 1, in info, _fence), "vkQueueSubmit");
        _pending = true;
    }

    public void Wait()
    {
        if (!_pending) return;
        // A long timeout instead of UINT64_MAX: a hung kernel becomes an error, not a hang.
        var r = _ctx.Vk.WaitForFences(_ctx.Device, 1, in _fence, true, 600UL * 1_000_000_000UL);
        VulkanException.Check(r, "vkWaitForFences", r == Result.Timeout ? "the GPU did not finish within 10 minutes" : null);
        _pending = false;
    }

    public void SubmitAndWait()
    {
        Submit();
        Wait();
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_pending)
            _ctx.Vk.WaitForFences(_ctx.Device, 1, in _fence, true, ulong.MaxValue);
        _ctx.Vk.DestroyFence(_ctx.Device, _fence, null);
        var cmd = _cmd;
        lock (_ctx.QueueLock)
            _ctx.Vk.FreeCommandBuffers(_ctx.Device, _ctx.CommandPool, 1, in cmd);
    }
}
