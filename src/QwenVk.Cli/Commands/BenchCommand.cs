using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using QwenVk.Model.Inference;
using QwenVk.Runtime.Kernels;

namespace QwenVk.Cli.Commands;

/// <summary>
/// `qwenvk bench`, llama-bench style: pp = one prefill of p tokens (tok/s), tg = n single-token decode steps after a
/// one-token prompt (tok/s), each the median over r repetitions after a warm-up. Greedy sampling stays on the GPU
/// (argmax), so the figures measure the engine, not host-side sampling.
/// </summary>
static class BenchCommand
{
    /// <summary>Qwen2/2.5/3 tokenizers: ids below 151643 (&lt;|endoftext|&gt;, the first added token) are ordinary BPE
    /// tokens; the ids above are special tokens and padding rows, which a real prompt rarely holds.</summary>
    const int OrdinaryTokenIds = 151643;

    public static Command Create()
    {
        var model = ModelArgument.Option();
        var demo = ModelArgument.DemoOption();
        var pp = new Option<int>("-p", "--n-prompt") { Description = "Prompt tokens for the prefill test (0 skips it).", DefaultValueFactory = _ => 512 };
        var tg = new Option<int>("-n", "--n-gen") { Description = "Decode steps for the generation test (0 skips it).", DefaultValueFactory = _ => 128 };
        var reps = new Option<int>("-r", "--repetitions") { Description = "Repetitions of each test (after one warm-up).", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object (medians pp_tok_s/tg_tok_s and per-repetition figures)." };
        var device = CliCommon.DeviceOption();
        var quant = CliCommon.QuantOption();
        var cmd = new Command("bench", "Measure prompt processing (pp) and token generation (tg) speed, like llama-bench.")
        {
            model, demo, pp, tg, reps, json, device, quant,
        };
        cmd.SetAction(r =>
        {
            int p = r.GetValue(pp), n = r.GetValue(tg), repetitions = Math.Max(1, r.GetValue(reps));
            if (p < 0 || n < 0) throw new ArgumentException($"-p and -n are token counts (0 skips a test); got -p {p}, -n {n}.");
            var resolved = ModelArgument.Resolve(r.GetValue(model), r.GetValue(demo));
            using var ctx = CliCommon.OpenDevice(r.GetValue(device));
            var loadClock = Stopwatch.StartNew();
            using var m = CliCommon.LoadModel(ctx, resolved, new ModelOptions
            {
                ContextLength = Math.Max(p, n + 1) + 1,
                MaxPrefillTokens = Math.Max(p, 1),
                Quant = r.GetValue(quant),
            });
            double loadSeconds = loadClock.Elapsed.TotalSeconds;
            var rng = new Random(1234);
            int Token() => rng.Next(Math.Min(m.Config.VocabSize, OrdinaryTokenIds));

            double[] ppRuns = [], tgRuns = [];
            double ppWarmup = 0, tgWarmup = 0;
            if (p > 0)
            {
                var prompt = Enumerable.Range(0, p).Select(_ => Token()).ToArray();
                ppRuns = Measure(repetitions, out ppWarmup, () =>
                {
                    m.Reset();
                    var clock = Stopwatch.StartNew();
                    m.ForwardGreedy(prompt);
                    return p / clock.Elapsed.TotalSeconds;
                });
            }
            if (n > 0)
            {
                tgRuns = Measure(repetitions, out tgWarmup, () =>
                {
                    m.Reset();
                    int token = m.ForwardGreedy([Token()]);
                    var clock = Stopwatch.StartNew();
                    for (int i = 0; i < n; i++) token = m.ForwardGreedy([token]);
                    return n / clock.Elapsed.TotalSeconds;
                });
            }
            long peakHost = Process.GetCurrentProcess().PeakWorkingSet64;
            var result = new
            {
                model = r.GetValue(model),
                device = ctx.Capabilities.Name,
                device_kind = ctx.Capabilities.Kind.ToString(),
                quant = m.Quant.Name(),
                weights_mib = m.WeightBytes / 1048576.0,
                kv_cache_mib = m.KvCacheBytes / 1048576.0,
                decode_weight_bytes = m.DecodeWeightBytes,
                decode_weight_gb_s = Median(tgRuns) * m.DecodeWeightBytes / 1e9,
                device_memory_mib = ctx.PeakAllocatedBytes / 1048576.0,
                peak_host_mib = peakHost / 1048576.0,
                load_seconds = loadSeconds,
                // First runs, where graphs and pipelines are compiled (the tg one includes its first token), and the
                // part of that spent in vkCreateComputePipelines, which a warm pipeline cache can save.
                pp_warmup_seconds = ppWarmup,
                tg_warmup_seconds = tgWarmup,
                pipelines = ctx.PipelineCache.PipelinesCreated,
                pipeline_compile_seconds = ctx.PipelineCache.CompileTime.TotalSeconds,
                pipeline_cache_loaded_bytes = ctx.PipelineCache.LoadedBytes,
                // The decode choices that are switches, so a result file says which way it ran.
                attention_splits = m.AttentionSplits,
                matvec_split_k = MatVecKernel.SplitKSwitchedOn(m.Device),
                n_prompt = p,
                n_gen = n,
                repetitions,
                pp_tok_s = Median(ppRuns),
                tg_tok_s = Median(tgRuns),
                pp_runs = ppRuns,
                tg_runs = tgRuns,
            };
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, CliJson.Options));
                return 0;
            }
            Console.WriteLine($"model {result.model} on {result.device}: weights {result.weights_mib:F1} MiB, KV cache {result.kv_cache_mib:F1} MiB, device memory {result.device_memory_mib:F1} MiB, peak host memory {result.peak_host_mib:F0} MiB, load {loadSeconds:F2} s");
            Console.WriteLine($"first runs (warm-ups): pp {ppWarmup:F2} s, tg {tgWarmup:F2} s; {result.pipelines} pipelines took {result.pipeline_compile_seconds:F2} s in vkCreateComputePipelines ({result.pipeline_cache_loaded_bytes} bytes of pipeline cache loaded)");
            Console.WriteLine($"| {"test",-8} | {"t/s (median)",14} | {"min - max",20} |");
            Console.WriteLine($"| {"--------",-8} | {"-------------:",14} | {"-------------------:",20} |");
            if (p > 0) Console.WriteLine($"| {"pp" + p,-8} | {Median(ppRuns),14:F2} | {$"{ppRuns.Min():F2} - {ppRuns.Max():F2}",20} |");
            if (n > 0) Console.WriteLine($"| {"tg" + n,-8} | {Median(tgRuns),14:F2} | {$"{tgRuns.Min():F2} - {tgRuns.Max():F2}",20} |");
            if (n > 0) Console.WriteLine($"decode reads weights at {result.decode_weight_gb_s:F2} GB/s ({m.DecodeWeightBytes / 1e9:F3} GB per token)");
            return 0;
        });
        return cmd;
    }

    /// <summary>One warm-up (pipelines compile, graphs record), timed whole, then the measured repetitions.</summary>
    static double[] Measure(int repetitions, out double warmupSeconds, Func<double> run)
    {
        var clock = Stopwatch.StartNew();
        run();
        warmupSeconds = clock.Elapsed.TotalSeconds;
        return Enumerable.Range(0, repetitions).Select(_ => run()).ToArray();
    }

    static double Median(double[] xs)
    {
        if (xs.Length == 0) return 0;
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }
}
