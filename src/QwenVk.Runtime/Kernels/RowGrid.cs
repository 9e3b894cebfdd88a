namespace QwenVk.Runtime.Kernels;

/// <summary>Workgroup grid for kernels that run one workgroup per row: rows beyond 65535 (maxComputeWorkGroupCount[0]
/// on many devices) spill into Y; the shader's wg_row() undoes it and skips the padding.</summary>
internal static class RowGrid
{
    const uint MaxX = 65535;

    public static (uint X, uint Y) For(long rows)
    {
        if (rows <= MaxX) return ((uint)Math.Max(rows, 1), 1);
        uint y = (uint)((rows + MaxX - 1) / MaxX);
        return ((uint)((rows + y - 1) / y), y);
    }
}
