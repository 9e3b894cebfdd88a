using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
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

/// <summary>The device's memory roofline: a copy between two buffers, read plus write bytes per second, the faster of
/// vkCmdCopyBuffer and a compute shader doing the same copy (copy_rows over the whole buffer). Drivers may route the
/// command through a path slower than what shaders reach: on an NVIDIA H200 vkCmdCopyBuffer moved 846 GB/s while the
/// lm_head product read 4.3 TB/s, so the command alone put kernels at 500% of "the roofline".</summary>
public sealed record CopyBandwidth(ulong Bytes, BenchTiming Command, BenchTiming Shader)
{
    /// <summary>Vulkan's smallest allowed maxStorageBufferRange, so the shader copy binds it whole on every device.</summary>
    public const ulong DefaultBytes = 128UL << 20;
    const int RowFloats = 1024;

    public double CommandGBps => 2.0 * Bytes / Command.MedianNs;
    public double ShaderGBps => 2.0 * Bytes / Shader.MedianNs;
    public double GBps => Math.Max(CommandGBps, ShaderGBps);
    /// <summary>The timing of the faster copy (the one <see cref="GBps"/> comes from).</summary>
    public BenchTiming Timing => CommandGBps >= ShaderGBps ? Command : Shader;
    public string Source => CommandGBps >= ShaderGBps ? "vkCmdCopyBuffer" : "copy shader";

    public static CopyBandwidth Measure(VulkanContext ctx, BenchOptions options, ulong bytes = DefaultBytes)
    {
        var type = BufferType(ctx.Capabilities, bytes);
        bytes = type.Bytes;
        var src = DeviceTensor.Create(ctx, type, "copy-src");
        using var srcBuffer = src.Buffer;
        var dst = DeviceTensor.Create(ctx, type, "copy-dst");
        using var dstBuffer = dst.Buffer;
        src.Buffer.Fill(0x3F800000);  // f32 ones: touches every page before timing
        dst.Buffer.Fill(0);
        var command = BenchTimer.Measure(ctx, r => r.Copy(src.Buffer, 0, dst.Buffer, 0, bytes), options);
        using var shaderCopy = KernelRunner.Prepare(ctx, new CopyRowsKernel(0), [src], [dst]);
        var shader = BenchTimer.Measure(ctx, shaderCopy.Record, options);
        return new CopyBandwidth(bytes, command, shader);
    }

    /// <summary>The f32 [rows, 1024] shape both copies move: at most <paramref name="bytes"/>, within one binding
    /// (the shader binds the whole buffer) and small enough that two fit next to whatever else the device holds.</summary>
    public static TensorType BufferType(DeviceCapabilities caps, ulong bytes = DefaultBytes)
    {
        const ulong rowBytes = RowFloats * sizeof(float);
        ulong limit = Math.Min(Math.Min(bytes, caps.MaxStorageBufferRange), Math.Min(caps.MaxMemoryAllocationSize, caps.DeviceLocalBytes / 8));
        return TensorType.Of(DType.F32, [(int)Math.Max(1, limit / rowBytes), RowFloats]);
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
