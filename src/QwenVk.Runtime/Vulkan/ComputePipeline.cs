using System.Diagnostics;
using Silk.NET.Vulkan;

namespace QwenVk.Runtime.Vulkan;

/// <summary>A compute pipeline made from an embedded SPIR-V module: N buffer bindings in set 0 (storage buffers, or
/// uniform texel buffers where <see cref="TexelBindings"/> says so), one push-constant block, uint specialization
/// constants with ids 0..n-1.</summary>
public sealed unsafe class ComputePipeline : IDisposable
{
    readonly VulkanContext _ctx;
    public string Shader { get; }
    public int Bindings { get; }
    public uint PushConstantBytes { get; }
    /// <summary>Bit i set: binding i is a uniform texel buffer (16-byte texels).</summary>
    public uint TexelBindings { get; }
    public Pipeline Handle { get; }
    public PipelineLayout Layout { get; }
    public DescriptorSetLayout SetLayout { get; }
    bool _disposed;

    internal ComputePipeline(VulkanContext ctx, string shader, int bindings, uint pushBytes, ReadOnlySpan<uint> spec, uint texelBindings = 0)
    {
        _ctx = ctx;
        Shader = shader;
        Bindings = bindings;
        PushConstantBytes = pushBytes;
        TexelBindings = texelBindings;
        var vk = ctx.Vk;
        var device = ctx.Device;
        if (pushBytes > ctx.Capabilities.MaxPushConstantsSize)
            throw new VulkanException($"shader '{shader}' needs {pushBytes} bytes of push constants; the device allows {ctx.Capabilities.MaxPushConstantsSize}.");

        var layoutBindings = new DescriptorSetLayoutBinding[bindings];
        for (int i = 0; i < bindings; i++)
            layoutBindings[i] = new DescriptorSetLayoutBinding
            {
                Binding = (uint)i,
                DescriptorType = BindingType(i),
                DescriptorCount = 1,
                StageFlags = ShaderStageFlags.ComputeBit,
            };
        fixed (DescriptorSetLayoutBinding* pb = layoutBindings)
        {
            var setInfo = new DescriptorSetLayoutCreateInfo
            {
                SType = StructureType.DescriptorSetLayoutCreateInfo,
                BindingCount = (uint)bindings,
                PBindings = pb,
            };
            VulkanException.Check(vk.CreateDescriptorSetLayout(device, in setInfo, null, out var setLayout), "vkCreateDescriptorSetLayout", shader);
            SetLayout = setLayout;
        }

        var range = new PushConstantRange { StageFlags = ShaderStageFlags.ComputeBit, Offset = 0, Size = pushBytes };
        var setLayoutCopy = SetLayout;
        var layoutInfo = new PipelineLayoutCreateInfo
        {
            SType = StructureType.PipelineLayoutCreateInfo,
            SetLayoutCount = 1,
            PSetLayouts = &setLayoutCopy,
            PushConstantRangeCount = pushBytes > 0 ? 1u : 0u,
            PPushConstantRanges = pushBytes > 0 ? &range : null,
        };
        VulkanException.Check(vk.CreatePipelineLayout(device, in layoutInfo, null, out var layout), "vkCreatePipelineLayout", shader);
        Layout = layout;

        var code = ShaderLibrary.Load(shader);
        ShaderModule module;
        fixed (byte* pc = code)
        {
            var moduleInfo = new ShaderModuleCreateInfo
            {
                SType = StructureType.ShaderModuleCreateInfo,
                CodeSize = (nuint)code.Length,
                PCode = (uint*)pc,
            };
            VulkanException.Check(vk.CreateShaderModule(device, in moduleInfo, null, out module), "vkCreateShaderModule", shader);
        }
        try
        {
            var entries = new SpecializationMapEntry[spec.Length];
            for (int i = 0; i < spec.Length; i++)
                entries[i] = new SpecializationMapEntry { ConstantID = (uint)i, Offset = (uint)(i * 4), Size = 4 };
            var specData = spec.ToArray();
            var main = "main"u8.ToArray().Append((byte)0).ToArray();
            fixed (SpecializationMapEntry* pe = entries)
            fixed (uint* pd = specData)
            fixed (byte* pm = main)
            {
                var specInfo = new SpecializationInfo
                {
                    MapEntryCount = (uint)spec.Length,
                    PMapEntries = pe,
                    DataSize = (nuint)(spec.Length * 4),
                    PData = pd,
                };
                var info = new ComputePipelineCreateInfo
                {
                    SType = StructureType.ComputePipelineCreateInfo,
                    Layout = layout,
                    Stage = new PipelineShaderStageCreateInfo
                    {
                        SType = StructureType.PipelineShaderStageCreateInfo,
                        Stage = ShaderStageFlags.ComputeBit,
                        Module = module,
                        PName = pm,
                        PSpecializationInfo = spec.Length > 0 ? &specInfo : null,
                    },
                };
                var clock = Stopwatch.StartNew();
                VulkanException.Check(vk.CreateComputePipelines(device, ctx.PipelineCache.Handle, 1, in info, null, out var pipeline), "vkCreateComputePipelines", shader);
                ctx.PipelineCache.Created(clock.Elapsed);
                Handle = pipeline;
            }
        }
        finally
        {
            vk.DestroyShaderModule(device, module, null);
        }
        ctx.Track(this);
    }

    public DescriptorType BindingType(int binding) =>
        (TexelBindings & (1u << binding)) != 0 ? DescriptorType.UniformTexelBuffer : DescriptorType.StorageBuffer;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        var vk = _ctx.Vk;
        vk.DestroyPipeline(_ctx.Device, Handle, null);
        vk.DestroyPipelineLayout(_ctx.Device, Layout, null);
        vk.DestroyDescriptorSetLayout(_ctx.Device, SetLayout, null);
        _ctx.Untrack(this);
    }
}
