using System.Diagnostics;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Reference.KernelBenchmarks;

/// <summary>How long to measure each case.</summary>
/// <param name="TargetSeconds">Runs are added until the measured runs take about this long (GPU time).</param>
/// <param name="MinRuns">At least this many measured runs, however slow one is.</param>
/// <param name="MaxRuns">At most this many (one timestamp query each).</param>
public sealed record BenchOptions(double TargetSeconds = 0.5, int MinRuns = 3, int MaxRuns = 1000);

/// <summary>Per-run GPU time of one case: the median and spread over <see cref="Runs"/> runs.</summary>
/// <param name="GpuTimestamps">True: each run was bracketed by GPU timestamps; false: wall clock of a whole
/// submission divided by its runs (devices without compute timestamps).</param>
public sealed record BenchTiming(double MedianNs, double MinNs, double MaxNs, int Runs, bool GpuTimestamps);

/// <summary>
/// Times a recorded piece of GPU work the way llama.cpp's test-backend-ops perf mode does: many back-to-back runs
/// in one command buffer, after a warm-up (lavapipe compiles a pipeline on its first dispatch: 1-25 ms). Each run is
/// preceded by a full barrier, so runs do not overlap and each timestamp interval holds exactly one run; the
/// median over runs is reported.
/// </summary>
public static class BenchTimer
{
    const double GpuWarmUpSeconds = 0.2;

    public static BenchTiming Measure(VulkanContext ctx, Action<CommandRecorder> recordRun, BenchOptions options)
    {
        // Warm-up: compiles pipelines and touches every page; then one run timed by the wall clock to size the batch.
        Submit(ctx, recordRun, 1);
        var sw = Stopwatch.StartNew();
        Submit(ctx, recordRun, 1);
        double estimateNs = Math.Max(sw.Elapsed.TotalNanoseconds, 1);
        // GPUs drop their clocks within milliseconds of idling, and the host sets each case up in between: an H200
        // timed the 7B lm_head product at 1068 us right after small cases and at 318 us after heavy ones. So keep a
        // GPU busy with the case for a while before timing it. CPU drivers run at whatever the host runs at.
        if (ctx.Capabilities.Kind != DeviceKind.Cpu)
        {
            int batch = (int)Math.Clamp(GpuWarmUpSeconds * 1e9 / estimateNs, 1, options.MaxRuns);
            var warm = Stopwatch.StartNew();
            do Submit(ctx, recordRun, batch); while (warm.Elapsed.TotalSeconds < GpuWarmUpSeconds);
        }
        int runs = (int)Math.Clamp(options.TargetSeconds * 1e9 / estimateNs, options.MinRuns, options.MaxRuns);
        return ctx.Capabilities.TimestampsSupported
            ? WithTimestamps(ctx, recordRun, runs)
            : WithWallClock(ctx, recordRun, runs);
    }

    static BenchTiming WithTimestamps(VulkanContext ctx, Action<CommandRecorder> recordRun, int runs)
    {
        using var pool = new TimestampPool(ctx, (uint)runs + 1);
        using var rec = new CommandRecorder(ctx);
        rec.Begin(oneTime: true);
        rec.ResetQueries(pool.Handle, 0, pool.Capacity);
        rec.Barrier();
        rec.Timestamp(pool.Handle, 0);
        for (int i = 0; i < runs; i++)
        {
            if (i > 0) rec.Barrier();
            recordRun(rec);
            rec.Timestamp(pool.Handle, (uint)i + 1);
        }
        rec.End();
        rec.SubmitAndWait();
        var t = pool.ReadNanoseconds((uint)runs + 1);
        return Summarize(Enumerable.Range(0, runs).Select(i => t[i + 1] - t[i]).ToArray(), true);
    }

    /// <summary>Three submissions of a third of the runs each; their per-run averages are the samples.</summary>
    static BenchTiming WithWallClock(VulkanContext ctx, Action<CommandRecorder> recordRun, int runs)
    {
        int perSubmit = Math.Max(1, runs / 3);
        var samples = new double[3];
        for (int s = 0; s < samples.Length; s++)
        {
            var sw = Stopwatch.StartNew();
            Submit(ctx, recordRun, perSubmit);
            samples[s] = sw.Elapsed.TotalNanoseconds / perSubmit;
        }
        return Summarize(samples, false) with { Runs = perSubmit * samples.Length };
    }

    static void Submit(VulkanContext ctx, Action<CommandRecorder> recordRun, int runs) =>
        ctx.Run(r =>
        {
            for (int i = 0; i < runs; i++)
            {
                r.Barrier();
                recordRun(r);
            }
            r.Barrier();
        });

    static BenchTiming Summarize(double[] ns, bool timestamps)
    {
        Array.Sort(ns);
        double median = ns.Length % 2 == 1 ? ns[ns.Length / 2] : (ns[ns.Length / 2 - 1] + ns[ns.Length / 2]) / 2;
        return new BenchTiming(median, ns[0], ns[^1], ns.Length, timestamps);
    }
}
