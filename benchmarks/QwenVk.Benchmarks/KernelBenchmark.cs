using BenchmarkDotNet.Attributes;
using QwenVk.Reference.KernelBenchmarks;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Benchmarks;

/// <summary>
/// One kernel's cases of the suite (<see cref="KernelBenchSuite"/>), one BenchmarkDotNet parameter value each. The
/// command buffer (a barrier, the case's dispatches, a barrier) is recorded once in the global set-up; the benchmark
/// body submits it and waits for its fence.
/// Mind what that measures: BenchmarkDotNet times the wall clock of the body, so each figure includes vkQueueSubmit,
/// the fence wait and the wake-up of this thread (tens of microseconds), on top of the GPU time. Small kernels read
/// far slower here than in `qwenvk kernels bench`, which reports GPU-timestamped time per dispatch in a batch; for
/// kernels that run for milliseconds the two agree.
/// </summary>
public abstract class KernelBenchmark
{
    VulkanContext? _ctx;
    KernelBenchSetup? _setup;
    CommandRecorder? _rec;

    /// <summary>The suite's kernel kind this class runs ("matvec").</summary>
    protected abstract string Kernel { get; }

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    public IEnumerable<string> Cases() => BenchCases.All.Where(c => c.Kernel == Kernel).Select(c => c.Id);

    [GlobalSetup]
    public void Setup()
    {
        _ctx = VulkanContext.Create(new ContextOptions { Validation = false, Log = Console.Error.WriteLine });
        _setup = BenchCases.Find(Case).Setup(_ctx);
        _rec = new CommandRecorder(_ctx);
        _rec.Begin(oneTime: false);
        _rec.Barrier();
        _setup.Record(_rec);
        _rec.Barrier();
        _rec.End();
        _rec.SubmitAndWait();  // lavapipe compiles the pipelines here, not in the first measured run
    }

    [Benchmark]
    public void Run() => _rec!.SubmitAndWait();

    [GlobalCleanup]
    public void Cleanup()
    {
        _rec?.Dispose();
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
public class AddBenchmarks : KernelBenchmark { protected override string Kernel => "add"; }
public class SiluMulBenchmarks : KernelBenchmark { protected override string Kernel => "silu_mul"; }
public class SoftmaxBenchmarks : KernelBenchmark { protected override string Kernel => "softmax"; }
public class ArgmaxBenchmarks : KernelBenchmark { protected override string Kernel => "argmax"; }
public class CopyRowsBenchmarks : KernelBenchmark { protected override string Kernel => "copy_rows"; }
