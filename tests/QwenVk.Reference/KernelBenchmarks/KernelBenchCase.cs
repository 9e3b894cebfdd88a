using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Reference.KernelBenchmarks;

/// <summary>
/// One kernel at one model shape, to be timed. <see cref="Cost"/> is the kernel's own <see cref="Kernel.Cost"/> for
/// the logical (unsplit) tensors, so it depends on no device; <see cref="Build"/> allocates and binds the tensors on
/// a device, splitting weights larger than its maxStorageBufferRange into one dispatch per row chunk as the model does.
/// </summary>
/// <param name="ComputeBound">True for the prefill matmuls and attention: judged by GFLOP/s, not by % of copy bandwidth.</param>
public sealed record KernelBenchCase(
    string Preset, string Phase, string Kernel, string Name, string Shape, KernelCost Cost, bool ComputeBound,
    Action<KernelBenchSetup> Build)
{
    /// <summary>Unique within a suite: "0.5b/decode/matvec.lm_head".</summary>
    public string Id => $"{Preset}/{Phase}/{Kernel}.{Name}";

    /// <summary>Allocates and fills the case's tensors on <paramref name="ctx"/> and prepares its dispatches; disposing
    /// the result frees them all. <paramref name="maxBindingBytes"/> overrides the device's binding limit (tests use it
    /// to exercise the split path on small tensors).</summary>
    public KernelBenchSetup Setup(VulkanContext ctx, ulong? maxBindingBytes = null)
    {
        var setup = new KernelBenchSetup(ctx, maxBindingBytes ?? ctx.Capabilities.MaxStorageBufferRange);
        try
        {
            Build(setup);
            return setup;
        }
        catch
        {
            setup.Dispose();
            throw;
        }
    }

    public bool Matches(string? filter) =>
        filter is null || Id.Contains(filter, StringComparison.OrdinalIgnoreCase) || Shape.Contains(filter, StringComparison.OrdinalIgnoreCase);

    public override string ToString() => Id;
}
