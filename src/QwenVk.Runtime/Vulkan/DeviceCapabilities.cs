namespace QwenVk.Runtime.Vulkan;

public enum DeviceKind { Other = 0, IntegratedGpu = 1, DiscreteGpu = 2, VirtualGpu = 3, Cpu = 4 }

/// <summary>What a physical device can do, as the kernels need to know it. Plain data: safe to print or serialize.</summary>
public sealed record DeviceCapabilities
{
    public required int Index { get; init; }
    public required string Name { get; init; }
    public required DeviceKind Kind { get; init; }
    public required string VendorId { get; init; }
    public required string DriverVersion { get; init; }
    public required string ApiVersion { get; init; }
    public required bool ShaderFloat16 { get; init; }
    public required bool StorageBuffer16BitAccess { get; init; }
    public required bool ShaderInt8 { get; init; }
    public required uint SubgroupSize { get; init; }
    public required uint MinSubgroupSize { get; init; }
    public required uint MaxSubgroupSize { get; init; }
    public required bool SubgroupSizeControl { get; init; }
    public required string[] SubgroupOperations { get; init; }
    public required bool SubgroupInCompute { get; init; }
    public required bool CooperativeMatrix { get; init; }
    public required ulong MaxStorageBufferRange { get; init; }
    public required ulong MaxMemoryAllocationSize { get; init; }
    public required ulong MinStorageBufferOffsetAlignment { get; init; }
    public required ulong MinTexelBufferOffsetAlignment { get; init; }
    public required uint MaxTexelBufferElements { get; init; }
    /// <summary>True when bandwidth-bound kernels read their wide operands through uniform texel buffers instead of
    /// storage buffers. Chosen on CPU drivers: lavapipe turns each 32-bit storage-buffer load into a branchy loop over
    /// its SIMD lanes, but a texel fetch into one unrolled 16-byte load per lane (decode matvec measured 0.86 -> 8.7
    /// GB/s). Only where any storage-buffer binding is also a valid texel view (offset alignment, element count).
    /// QWENVK_TEXEL_LOADS=0 or 1 overrides the choice.</summary>
    public bool TexelLoads { get; init; }
    public required uint MaxComputeSharedMemorySize { get; init; }
    public required uint MaxComputeWorkGroupInvocations { get; init; }
    public required uint[] MaxComputeWorkGroupCount { get; init; }
    public required uint MaxPushConstantsSize { get; init; }
    public required float TimestampPeriodNs { get; init; }
    public required bool TimestampsSupported { get; init; }
    /// <summary>True when the device-local memory can be mapped by the host (CPU drivers, integrated GPUs, ReBAR):
    /// uploads then need no staging copy.</summary>
    public required bool UnifiedMemory { get; init; }
    public required ulong DeviceLocalBytes { get; init; }
    public required string[] MemoryTypes { get; init; }

    /// <summary>True when the kernels of this runtime can run here (fp16 storage and arithmetic, subgroups in compute).</summary>
    public bool Supported => ShaderFloat16 && StorageBuffer16BitAccess && SubgroupInCompute
        && SubgroupOperations.Contains("arithmetic") && SubgroupOperations.Contains("basic");

    public string MissingFeatures()
    {
        var missing = new List<string>();
        if (!ShaderFloat16) missing.Add("shaderFloat16");
        if (!StorageBuffer16BitAccess) missing.Add("storageBuffer16BitAccess");
        if (!SubgroupInCompute) missing.Add("subgroups in compute shaders");
        if (!SubgroupOperations.Contains("arithmetic")) missing.Add("subgroup arithmetic");
        return string.Join(", ", missing);
    }
}
