using QwenVk.Runtime.Vulkan;

namespace QwenVk.Reference.KernelChecks;

/// <summary>One check of one kernel at one shape: runs the GPU kernel on fresh random inputs (outputs poisoned
/// first) and returns its error against the double-precision CPU reference (NMSE, or a mismatch count for
/// integer outputs). Passes when the error is at most <see cref="Tolerance"/>.</summary>
public sealed record KernelCheck(string Kernel, string Case, double Tolerance, Func<VulkanContext, Random, double> Run)
{
    public override string ToString() => $"{Kernel}/{Case}";
}

/// <summary>Every kernel check, for the xunit tests and for `qwenvk kernels test`. Listed, not found by reflection:
/// the CLI is published trimmed (tools/gpu-check.sh), and the trimmer cannot follow GetTypes(). A test checks that
/// every class with a static Cases() is here.</summary>
public static class AllKernelChecks
{
    public static readonly Func<IEnumerable<KernelCheck>>[] Sources =
    [
        AddCheck.Cases, ArgmaxCheck.Cases, AttentionCheck.Cases, AttentionMergeCheck.Cases, CopyRowsCheck.Cases, EmbeddingCheck.Cases, GatherColumnsCheck.Cases,
        KvAppendCheck.Cases, MatMulCheck.Cases, MatVecCheck.Cases, RmsNormCheck.Cases, RopeCheck.Cases,
        RowBroadcastCheck.Cases, SiluMulCheck.Cases, SoftmaxCheck.Cases, TokenLogprobCheck.Cases,
    ];

    public static IEnumerable<KernelCheck> All() => Sources.SelectMany(cases => cases());
}
