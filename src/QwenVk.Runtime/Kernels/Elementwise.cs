namespace QwenVk.Runtime.Kernels;

/// <summary>Dispatch geometry shared by element-wise kernels: 256-wide workgroups over a 2D grid, so element
/// counts beyond 65535 workgroups still fit maxComputeWorkGroupCount[0] everywhere.</summary>
static class Elementwise
{
    /// <summary>Matches local_size_x in every element-wise shader.</summary>
    public const uint WorkgroupSize = 256;

    public static (uint X, uint Y) Grid(long elements) => RowGrid.For((elements + WorkgroupSize - 1) / WorkgroupSize);
}
