using BenchmarkDotNet.Attributes;
using QwenVk.Reference.KernelBenchmarks;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Benchmarks;

/// <summary>The roofline the kernels are compared with: vkCmdCopyBuffer of <see cref="CopyBandwidth.DefaultBytes"/>
/// (its GB/s column counts read plus write bytes).</summary>
public class CopyBufferBenchmarks
{
    public const string CaseId = "copy/vkCmdCopyBuffer";

    VulkanContext? _ctx;
    GpuBuffer? _src, _dst;
    CommandRecorder? _rec;

    [Params(CaseId)]
    public string Case { get; set; } = CaseId;

    [GlobalSetup]
    public void Setup()
    {
        _ctx = VulkanContext.Create(new ContextOptions { Validation = false, Log = Console.Error.WriteLine });
        ulong bytes = CopyBandwidth.DefaultBytes;
        _src = _ctx.CreateBuffer(bytes, "copy-src");
        _dst = _ctx.CreateBuffer(bytes, "copy-dst");
        _src.Fill(0x3C003C00);
        _rec = new CommandRecorder(_ctx);
        _rec.Begin(oneTime: false);
        _rec.Barrier();
        _rec.Copy(_src, 0, _dst, 0, bytes);
        _rec.Barrier();
        _rec.End();
        _rec.SubmitAndWait();
    }

    [Benchmark]
    public void Run() => _rec!.SubmitAndWait();

    [GlobalCleanup]
    public void Cleanup()
    {
        _rec?.Dispose();
        _src?.Dispose();
        _dst?.Dispose();
        _ctx?.Dispose();
    }
}
