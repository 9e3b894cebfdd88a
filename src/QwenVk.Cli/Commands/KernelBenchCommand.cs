using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using QwenVk.Reference.KernelBenchmarks;

namespace QwenVk.Cli.Commands;

/// <summary>`qwenvk kernels bench`: every kernel at Qwen layer shapes, timed with GPU timestamps like llama.cpp's
/// test-backend-ops perf mode, against the device's copy bandwidth. Runs from a self-contained publish (no SDK),
/// which is why it is not BenchmarkDotNet (benchmarks/QwenVk.Benchmarks runs the same suite under it).</summary>
static class KernelBenchCommand
{
    public static Command Create(Option<string?> device, Option<string?> filter)
    {
        var preset = new Option<string>("--preset")
        {
            Description = "Model shapes: 0.5b (Qwen2.5-0.5B), 7b (Qwen2.5-7B), qwen3-0.6b (Qwen3-0.6B) or all.",
            DefaultValueFactory = _ => "0.5b",
        };
        preset.AcceptOnlyFromAmong([.. BenchModelShape.Presets.Select(p => p.Name), "all"]);
        var json = new Option<bool>("--json") { Description = "Print one JSON object (device, copy bandwidth, every case) instead of a table." };
        var target = new Option<double>("--target-ms")
        {
            Description = "Measure each case for about this long (GPU time; at least --min-runs runs).",
            DefaultValueFactory = _ => 500,
        };
        var hot = new Option<bool>("--hot")
        {
            Description = "Time decode products on one copy of their weight, which a large cache may hold between runs. " +
                "By default each run reads the next of several copies (256 MiB in all), as a decode step reads weights from memory.",
        };
        var minRuns = new Option<int>("--min-runs") { Description = "Fewest measured runs per case.", DefaultValueFactory = _ => 3 };
        var bench = new Command("bench", "Time every kernel at Qwen2.5 layer shapes (decode and prefill): median GPU time per run, GB/s, GFLOP/s, % of the device's copy bandwidth.")
        {
            device, filter, preset, json, target, minRuns, hot,
        };
        bench.SetAction(r =>
        {
            var cases = KernelBenchSuite.All(r.GetValue(preset)!, r.GetValue(hot) ? 0 : KernelBenchSuite.ColdWeightBytes).Where(c => c.Matches(r.GetValue(filter))).ToList();
            if (cases.Count == 0)
                throw new ArgumentException($"no benchmark case matches --filter '{r.GetValue(filter)}'.");
            var options = new BenchOptions(TargetSeconds: Math.Max(1, r.GetValue(target)) / 1e3, MinRuns: Math.Max(1, r.GetValue(minRuns)));
            bool asJson = r.GetValue(json);
            // With --json, stdout holds only the object; progress goes to stderr.
            var progress = asJson ? Console.Error : Console.Out;
            using var ctx = CliCommon.OpenDevice(r.GetValue(device));
            var caps = ctx.Capabilities;
            progress.WriteLine($"device: {caps.Name} ({caps.Kind}, subgroup {caps.SubgroupSize}, maxStorageBufferRange {caps.MaxStorageBufferRange >> 20} MiB); timing: {(caps.TimestampsSupported ? "GPU timestamps" : "wall clock (no compute timestamps)")}");
            var copy = CopyBandwidth.Measure(ctx, options);
            progress.WriteLine($"copy bandwidth ({copy.Bytes >> 20} MiB, read + write): vkCmdCopyBuffer {copy.CommandGBps:F1} GB/s, copy shader {copy.ShaderGBps:F1} GB/s; " +
                $"roofline {copy.GBps:F1} GB/s ({copy.Source}, {copy.Timing.MedianNs / 1e6:F2} ms median of {copy.Timing.Runs})");
            progress.WriteLine($"{"case",-34} {"shape",-46} {"disp",4} {"copy",4} {"runs",5} {"median us",11} {"GB/s",8} {"GFLOP/s",8} {"%copy",6}");
            var results = new List<KernelBenchResult>();
            var errors = new List<(string Id, string Error)>();
            foreach (var c in cases)
            {
                try
                {
                    var res = KernelBenchRunner.Run(ctx, c, options, copy.GBps);
                    results.Add(res);
                    progress.WriteLine($"{Trim(c.Id, 34),-34} {Trim(c.Shape, 46),-46} {res.Dispatches,4} {res.Copies,4} {res.Timing.Runs,5} {res.MedianUs,11:F1} {res.GBps,8:F2} {Opt(res.GFlops, "F2"),8} {Opt(res.PercentOfCopy, "F0"),6}");
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    errors.Add((c.Id, e.Message));
                    progress.WriteLine($"{Trim(c.Id, 34),-34} FAILED: {e.Message}");
                }
            }
            if (asJson)
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    device = new { caps.Name, caps.Kind, caps.VendorId, caps.DriverVersion, caps.SubgroupSize, caps.MaxStorageBufferRange, timestamps = caps.TimestampsSupported },
                    copy_bandwidth = new
                    {
                        copy.Bytes, median_us = copy.Timing.MedianNs / 1e3, gb_per_s = copy.GBps, runs = copy.Timing.Runs, source = copy.Source,
                        command_gb_per_s = copy.CommandGBps, shader_gb_per_s = copy.ShaderGBps,
                    },
                    options = new { target_ms = options.TargetSeconds * 1e3, options.MinRuns, options.MaxRuns },
                    cases = results.Select(x => new
                    {
                        id = x.Case.Id, x.Case.Preset, x.Case.Phase, x.Case.Kernel, x.Case.Name, x.Case.Shape, x.Dispatches, weight_copies = x.Copies,
                        x.Timing.Runs, x.MedianUs, min_us = x.Timing.MinNs / 1e3, max_us = x.Timing.MaxNs / 1e3,
                        bytes = x.Case.Cost.Bytes, flops = x.Case.Cost.Flops, gb_per_s = x.GBps, gflop_per_s = x.GFlops,
                        percent_of_copy = x.PercentOfCopy, x.Case.ComputeBound, gpu_timestamps = x.Timing.GpuTimestamps,
                    }),
                    errors = errors.Select(e => new { id = e.Id, error = e.Error }),
                }, JsonOptions));
            return errors.Count == 0 ? 0 : 1;
        });
        return bench;
    }

    /// <summary>Shapes hold "->": left unescaped, the JSON stays readable.</summary>
    static readonly JsonSerializerOptions JsonOptions = new(CliJson.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    static string Opt(double? v, string format) => v is { } x ? x.ToString(format) : "-";
    static string Trim(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
