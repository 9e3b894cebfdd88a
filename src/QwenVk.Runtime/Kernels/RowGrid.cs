using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>Workgroup grid for kernels that run one workgroup per row: rows beyond 65535 (maxComputeWorkGroupCount[0]
/// on many devices) spill into Y; the shader's wg_row() undoes it and skips the padding.</summary>
static class RowGrid
{
    const uint MaxX = 65535;

    public static (uint X, uint Y) For(long rows)
    {
        if (rows <= MaxX) return ((uint)Math.Max(rows, 1), 1);
        uint y = (uint)((rows + MaxX - 1) / MaxX);
        return ((uint)((rows + y - 1) / y), y);
    }

    /// <summary>Workgroup size on a GPU for a kernel where one workgroup reduces one row (argmax, softmax, RMSNorm).
    /// A few long rows (decode's argmax or softmax over a 152k vocabulary) get the widest workgroup the device allows,
    /// up to 1024: at 256 each invocation walks ~600 elements one load after another. NVIDIA H200: softmax 490 -> 162
    /// us; argmax only 78 -> 73 us (docs/BENCHMARKS.md).</summary>
    public static uint GpuWorkgroup(DeviceCapabilities caps, long rows, long cols) =>
        cols <= 256 ? 64u : rows <= 64 && cols >= 8192 ? Math.Max(64u, Math.Min(1024u, caps.MaxComputeWorkGroupInvocations / 64 * 64)) : 256u;
}
