using QwenVk.Reference.KernelChecks;

namespace QwenVk.Tests.Kernels;

/// <summary>`qwenvk kernels test` runs <see cref="AllKernelChecks.All"/>, a hand-written list (the published CLI is
/// trimmed): every check class must be on it, once.</summary>
public sealed class AllKernelChecksTests
{
    [Fact]
    public void EveryCheckClassIsListedOnce()
    {
        var classes = typeof(AllKernelChecks).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(AllKernelChecks).Namespace && t.GetMethod("Cases") is { IsStatic: true })
            .Select(t => t.Name)
            .Order();
        var listed = AllKernelChecks.Sources.Select(s => s.Method.DeclaringType!.Name).ToList();
        Assert.Equal(listed.Count, listed.Distinct().Count());
        Assert.Equal(classes, listed.Order());
        Assert.Equal(AllKernelChecks.Sources.Sum(s => s().Count()), AllKernelChecks.All().Count());
    }
}
