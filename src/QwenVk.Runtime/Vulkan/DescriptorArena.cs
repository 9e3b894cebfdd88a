using Silk.NET.Vulkan;

namespace QwenVk.Runtime.Vulkan;

/// <summary>A descriptor pool sized up front for a known number of sets; every set binds storage buffers only.
/// A compiled graph allocates all its sets here once; one-off dispatches use a small arena of their own.</summary>
public sealed unsafe class DescriptorArena : IDisposable
{
    readonly VulkanContext _ctx;
    readonly DescriptorPool _pool;
    bool _disposed;

    public DescriptorArena(VulkanContext ctx, int maxSets, int maxBuffers)
    {
        _ctx = ctx;
        var size = new DescriptorPoolSize { Type = DescriptorType.StorageBuffer, DescriptorCount = (uint)Math.Max(1, maxBuffers) };
        var info = new DescriptorPoolCreateInfo
        {
            SType = StructureType.DescriptorPoolCreateInfo,
            MaxSets = (uint)Math.Max(1, maxSets),
            PoolSizeCount = 1,
            PPoolSizes = &size,
        };
        VulkanException.Check(ctx.Vk.CreateDescriptorPool(ctx.Device, in info, null, out _pool), "vkCreateDescriptorPool");
        ctx.Track(this);
    }

    public DescriptorSet Allocate(ComputePipeline pipeline, ReadOnlySpan<BufferRange> buffers)
    {
        if (buffers.Length != pipeline.Bindings)
            throw new ArgumentException($"shader '{pipeline.Shader}' has {pipeline.Bindings} bindings; {buffers.Length} buffers were given.");
        var layout = pipeline.SetLayout;
        var alloc = new DescriptorSetAllocateInfo
        {
            SType = StructureType.DescriptorSetAllocateInfo,
            DescriptorPool = _pool,
            DescriptorSetCount = 1,
            PSetLayouts = &layout,
        };
        DescriptorSet set;
        VulkanException.Check(_ctx.Vk.AllocateDescriptorSets(_ctx.Device, in alloc, &set), "vkAllocateDescriptorSets", pipeline.Shader);
        var infos = stackalloc DescriptorBufferInfo[buffers.Length];
        var writes = stackalloc WriteDescriptorSet[buffers.Length];
        ulong maxRange = _ctx.Capabilities.MaxStorageBufferRange;
        for (int i = 0; i < buffers.Length; i++)
        {
            var b = buffers[i];
            if (b.Size > maxRange)
                throw new VulkanException($"binding {i} of '{pipeline.Shader}' covers {b.Size} bytes of '{b.Buffer.Name}', over this device's maxStorageBufferRange ({maxRange}); the tensor must be split.");
            infos[i] = new DescriptorBufferInfo { Buffer = b.Buffer.Handle, Offset = b.Offset, Range = Math.Max(b.Size, 4) };
            writes[i] = new WriteDescriptorSet
            {
                SType = StructureType.WriteDescriptorSet,
                DstSet = set,
                DstBinding = (uint)i,
                DescriptorCount = 1,
                DescriptorType = DescriptorType.StorageBuffer,
                PBufferInfo = &infos[i],
            };
        }
        _ctx.Vk.UpdateDescriptorSets(_ctx.Device, (uint)buffers.Length, writes, 0, null);
        return set;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _ctx.Vk.DestroyDescriptorPool(_ctx.Device, _pool, null);
        _ctx.Untrack(this);
    }
}
