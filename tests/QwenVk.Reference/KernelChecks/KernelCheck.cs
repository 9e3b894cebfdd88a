using QwenVk.Runtime.Vulkan;

namespace QwenVk.Reference.KernelChecks;

/// <summary>One check of one kernel at one shape: runs the GPU kernel on fresh random inputs (outputs poisoned
/// first) and returns its error against the double-precision CPU reference (NMSE, or a mismatch count for
/// integer outputs). Passes when the error is at most <see cref="Tolerance"/>.</summary>
public sealed record KernelCheck(string Kernel, string Case, double Tolerance, Func<VulkanContext, Random, double> Run)
{
    public override string ToString() => $"{Kernel}/{Case}";
}

/// <summary>Every kernel check, for the xunit tests and for `qwenvk kernels test`.</summary>
public static class AllKernelChecks
{
    public static IEnumerable<KernelCheck> All() =>
        typeof(AllKernelChecks).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(AllKernelChecks).Namespace && t.GetMethod("Cases") is { IsStatic: true })
            .OrderBy(t => t.Name)
            .SelectMany(t => (IEnumerable<KernelCheck>)t.GetMethod("Cases")!.Invoke(null, null)!);
}
