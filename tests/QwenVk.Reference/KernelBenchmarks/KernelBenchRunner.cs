using QwenVk.Runtime.Vulkan;

namespace QwenVk.Reference.KernelBenchmarks;

/// <summary>The measured figures of one case. GB/s and GFLOP/s are the case's cost over the median run time.</summary>
/// <param name="Copies">Weight copies the runs rotated through (<see cref="KernelBenchSuite.ColdWeightBytes"/>).</param>
public sealed record KernelBenchResult(KernelBenchCase Case, BenchTiming Timing, int Dispatches, int Copies, ulong AllocatedBytes, double CopyGBps)
{
    public double MedianUs => Timing.MedianNs / 1e3;
    public double GBps => Case.Cost.Bytes / Timing.MedianNs;
    public double? GFlops => Case.Cost.Flops > 0 ? Case.Cost.Flops / Timing.MedianNs : null;
    /// <summary>Memory-bound cases only: achieved bytes per second as a share of the device's copy bandwidth.</summary>
    public double? PercentOfCopy => Case.ComputeBound || CopyGBps <= 0 ? null : 100 * GBps / CopyGBps;
}

/// <summary>The device's memory roofline: vkCmdCopyBuffer between two buffers, read plus write bytes per second.</summary>
public sealed record CopyBandwidth(ulong Bytes, BenchTiming Timing)
{
    public const ulong DefaultBytes = 256UL << 20;

    public double GBps => 2.0 * Bytes / Timing.MedianNs;

    public static CopyBandwidth Measure(VulkanContext ctx, BenchOptions options, ulong bytes = DefaultBytes)
    {
        var caps = ctx.Capabilities;
        // Two buffers must fit comfortably next to whatever else the device holds.
        bytes = Math.Min(bytes, Math.Min(caps.MaxMemoryAllocationSize, caps.DeviceLocalBytes / 8)) / 256 * 256;
        using var src = ctx.CreateBuffer(bytes, "copy-src");
        using var dst = ctx.CreateBuffer(bytes, "copy-dst");
        src.Fill(0x3C003C00);  // fp16 ones: touches every page before timing
        dst.Fill(0);
        return new CopyBandwidth(bytes, BenchTimer.Measure(ctx, r => r.Copy(src, 0, dst, 0, bytes), options));
    }
}

public static class KernelBenchRunner
{
    /// <summary>Sets the case up, times it, frees everything.</summary>
    public static KernelBenchResult Run(VulkanContext ctx, KernelBenchCase c, BenchOptions options, double copyGBps, ulong? maxBindingBytes = null)
    {
        using var setup = c.Setup(ctx, maxBindingBytes);
        var timing = BenchTimer.Measure(ctx, setup.Record, options);
        return new KernelBenchResult(c, timing, setup.Dispatches, setup.Copies, setup.AllocatedBytes, copyGBps);
    }
}
