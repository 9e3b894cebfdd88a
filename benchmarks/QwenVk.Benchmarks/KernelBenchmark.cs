using BenchmarkDotNet.Attributes;
using QwenVk.Reference.KernelBenchmarks;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Benchmarks;

/// <summary>
/// One kernel's cases of the suite (<see cref="KernelBenchSuite"/>), one BenchmarkDotNet parameter value each. The
/// command buffers (a barrier, the case's dispatches, a barrier; one per weight copy the case rotates through, see
/// <see cref="KernelBenchSuite.ColdWeightBytes"/>) are recorded once in the global set-up; the benchmark body submits
/// the next one and waits for its fence.
/// Mind what that measures: BenchmarkDotNet times the wall clock of the body, so each figure includes vkQueueSubmit,
/// the fence wait and the wake-up of this thread (tens of microseconds), on top of the GPU time. Small kernels read
/// far slower here than in `qwenvk kernels bench`, which reports GPU-timestamped time per dispatch in a batch; for
/// kernels that run for milliseconds the two agree.
/// </summary>
public abstract class KernelBenchmark
{
    VulkanContext? _ctx;
    KernelBenchSetup? _setup;
    readonly List<CommandRecorder> _recs = new();
    int _next;

    /// <summary>The suite's kernel kind this class runs ("matvec").</summary>
    protected abstract string Kernel { get; }

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    public IEnumerable<string> Cases() => BenchCases.All.Where(c => c.Kernel == Kernel).Select(c => c.Id);

    [GlobalSetup]
    public void Setup()
    {
        _ctx = VulkanContext.Create(new ContextOptions { Validation = false });
        _setup = BenchCases.Find(Case).Setup(_ctx);
        for (int copy = 0; copy < _setup.Copies; copy++)
        {
            var rec = new CommandRecorder(_ctx);
            _recs.Add(rec);
            rec.Begin(oneTime: false);
            rec.Barrier();
            _setup.Record(rec, copy);
            rec.Barrier();
            rec.End();
            rec.SubmitAndWait();  // lavapipe compiles the pipelines here, not in the first measured run
        }
    }

    [Benchmark]
    public void Run()
    {
        _recs[_next].SubmitAndWait();
        _next = (_next + 1) % _recs.Count;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var rec in _recs) rec.Dispose();
        _recs.Clear();
        _setup?.Dispose();
        _ctx?.Dispose();
    }
}

public class EmbeddingBenchmarks : KernelBenchmark { protected override string Kernel => "embedding"; }
public class RmsNormBenchmarks : KernelBenchmark { protected override string Kernel => "rmsnorm"; }
public class MatVecBenchmarks : KernelBenchmark { protected override string Kernel => "matvec"; }
public class MatMulBenchmarks : KernelBenchmark { protected override string Kernel => "matmul"; }
public class RowBroadcastBenchmarks : KernelBenchmark { protected override string Kernel => "row_broadcast"; }
public class RopeBenchmarks : KernelBenchmark { protected override string Kernel => "rope"; }
public class KvAppendBenchmarks : KernelBenchmark { protected override string Kernel => "kv_append"; }
public class AttentionBenchmarks : KernelBenchmark { protected override string Kernel => "attention"; }
public class AttentionMergeBenchmarks : KernelBenchmark { protected override string Kernel => "attention_merge"; }
public class AddBenchmarks : KernelBenchmark { protected override string Kernel => "add"; }
public class SiluMulBenchmarks : KernelBenchmark { protected override string Kernel => "silu_mul"; }
public class SoftmaxBenchmarks : KernelBenchmark { protected override string Kernel => "softmax"; }
public class ArgmaxBenchmarks : KernelBenchmark { protected override string Kernel => "argmax"; }
public class CopyRowsBenchmarks : KernelBenchmark { protected override string Kernel => "copy_rows"; }
public class TokenLogprobBenchmarks : KernelBenchmark { protected override string Kernel => "token_logprob"; }
