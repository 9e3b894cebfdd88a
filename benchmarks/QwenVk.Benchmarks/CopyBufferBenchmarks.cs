using BenchmarkDotNet.Attributes;
using QwenVk.Reference.KernelBenchmarks;
using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Benchmarks;

/// <summary>The roofline the kernels are compared with: a copy of <see cref="CopyBandwidth.DefaultBytes"/> by
/// vkCmdCopyBuffer and by a compute shader (copy_rows over the whole buffer); the faster one is the roofline (see
/// <see cref="CopyBandwidth"/>). The GB/s column counts read plus write bytes.</summary>
public class CopyBufferBenchmarks
{
    public const string CaseId = "copy/vkCmdCopyBuffer";
    public const string ShaderCaseId = "copy/shader";

    VulkanContext? _ctx;
    DeviceTensor? _src, _dst;
    PreparedKernel? _shaderCopy;
    CommandRecorder? _rec;

    [Params(CaseId, ShaderCaseId)]
    public string Case { get; set; } = CaseId;

    [GlobalSetup]
    public void Setup()
    {
        _ctx = VulkanContext.Create(new ContextOptions { Validation = false });
        var type = CopyBandwidth.BufferType(_ctx.Capabilities);
        ulong bytes = type.Bytes;
        _src = DeviceTensor.Create(_ctx, type, "copy-src");
        _dst = DeviceTensor.Create(_ctx, type, "copy-dst");
        _src.Buffer.Fill(0x3F800000);
        _rec = new CommandRecorder(_ctx);
        _rec.Begin(oneTime: false);
        _rec.Barrier();
        if (Case == ShaderCaseId)
        {
            _shaderCopy = KernelRunner.Prepare(_ctx, new CopyRowsKernel(0), [_src], [_dst]);
            _shaderCopy.Record(_rec);
        }
        else _rec.Copy(_src.Buffer, 0, _dst.Buffer, 0, bytes);
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
        _shaderCopy?.Dispose();
        _src?.Buffer.Dispose();
        _dst?.Buffer.Dispose();
        _ctx?.Dispose();
    }
}
