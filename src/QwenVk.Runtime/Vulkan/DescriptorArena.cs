using Silk.NET.Vulkan;

namespace QwenVk.Runtime.Vulkan;

/// <summary>A descriptor pool sized up front for a known number of sets, and the texel-buffer views its sets use.
/// A compiled graph allocates all its sets here once; one-off dispatches use a small arena of their own. Disposing
/// the arena releases the pool and every view.</summary>
public sealed unsafe class DescriptorArena : IDisposable
{
    /// <summary>Texel buffers are viewed as R32G32B32A32_UINT: one texel is 16 bytes (8 halves, 4 floats).</summary>
    public const uint TexelBytes = 16;

    readonly VulkanContext _ctx;
    readonly DescriptorPool _pool;
    readonly List<BufferView> _views = [];
    bool _disposed;

    public DescriptorArena(VulkanContext ctx, int maxSets, int maxBuffers)
    {
        _ctx = ctx;
        // Either type may take every binding: the pool is small either way.
        var sizes = stackalloc DescriptorPoolSize[2];
        sizes[0] = new DescriptorPoolSize { Type = DescriptorType.StorageBuffer, DescriptorCount = (uint)Math.Max(1, maxBuffers) };
        sizes[1] = new DescriptorPoolSize { Type = DescriptorType.UniformTexelBuffer, DescriptorCount = (uint)Math.Max(1, maxBuffers) };
        var info = new DescriptorPoolCreateInfo
        {
            SType = StructureType.DescriptorPoolCreateInfo,
            MaxSets = (uint)Math.Max(1, maxSets),
            PoolSizeCount = 2,
            PPoolSizes = sizes,
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
        var views = stackalloc BufferView[buffers.Length];
        var writes = stackalloc WriteDescriptorSet[buffers.Length];
        ulong maxRange = _ctx.Capabilities.MaxStorageBufferRange;
        for (int i = 0; i < buffers.Length; i++)
        {
            var b = buffers[i];
            var type = pipeline.BindingType(i);
            writes[i] = new WriteDescriptorSet
            {
                SType = StructureType.WriteDescriptorSet,
                DstSet = set,
                DstBinding = (uint)i,
                DescriptorCount = 1,
                DescriptorType = type,
            };
            if (type == DescriptorType.UniformTexelBuffer)
            {
                views[i] = CreateView(pipeline, i, b);
                writes[i].PTexelBufferView = &views[i];
            }
            else
            {
                if (b.Size > maxRange)
                    throw new VulkanException($"binding {i} of '{pipeline.Shader}' covers {b.Size} bytes of '{b.Buffer.Name}', over this device's maxStorageBufferRange ({maxRange}); the tensor must be split.");
                infos[i] = new DescriptorBufferInfo { Buffer = b.Buffer.Handle, Offset = b.Offset, Range = Math.Max(b.Size, 4) };
                writes[i].PBufferInfo = &infos[i];
            }
        }
        _ctx.Vk.UpdateDescriptorSets(_ctx.Device, (uint)buffers.Length, writes, 0, null);
        return set;
    }

    BufferView CreateView(ComputePipeline pipeline, int binding, BufferRange b)
    {
        var caps = _ctx.Capabilities;
        // Kernels only plan texel loads where every storage-buffer offset is also a valid texel offset and sizes are
        // whole texels (DeviceCapabilities.TexelLoads); this is the backstop for a plan that broke that promise.
        if (b.Offset % caps.MinTexelBufferOffsetAlignment != 0 || b.Size % TexelBytes != 0 || b.Size / TexelBytes > caps.MaxTexelBufferElements)
            throw new VulkanException($"binding {binding} of '{pipeline.Shader}' (bytes {b.Offset}..{b.Offset + b.Size} of '{b.Buffer.Name}') cannot be a texel buffer on this device " +
                $"(offset alignment {caps.MinTexelBufferOffsetAlignment}, {TexelBytes}-byte texels, at most {caps.MaxTexelBufferElements} texels); set QWENVK_TEXEL_LOADS=0.");
        var info = new BufferViewCreateInfo
        {
            SType = StructureType.BufferViewCreateInfo,
            Buffer = b.Buffer.Handle,
            Format = Format.R32G32B32A32Uint,
            Offset = b.Offset,
            Range = b.Size,
        };
        VulkanException.Check(_ctx.Vk.CreateBufferView(_ctx.Device, in info, null, out var view), "vkCreateBufferView", pipeline.Shader);
        _views.Add(view);
        return view;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var v in _views) _ctx.Vk.DestroyBufferView(_ctx.Device, v, null);
        _views.Clear();
        _ctx.Vk.DestroyDescriptorPool(_ctx.Device, _pool, null);
        _ctx.Untrack(this);
    }
}
