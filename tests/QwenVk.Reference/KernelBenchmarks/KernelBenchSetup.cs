using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Reference.KernelBenchmarks;

/// <summary>The tensors and prepared dispatches of one benchmark case on a device. One run is every dispatch in
/// order with no barrier between them: the only cases with several dispatches are row chunks of one split weight,
/// which write disjoint columns and run back to back in the model too.</summary>
public sealed class KernelBenchSetup : IDisposable
{
    readonly VulkanContext _ctx;
    readonly List<DeviceTensor> _tensors = new();
    readonly List<PreparedKernel> _kernels = new();
    readonly Random _rng = new(1234);

    internal KernelBenchSetup(VulkanContext ctx, ulong maxBindingBytes)
    {
        _ctx = ctx;
        MaxBindingBytes = maxBindingBytes;
    }

    public ulong MaxBindingBytes { get; }
    public int Dispatches => _kernels.Count;
    public ulong AllocatedBytes => (ulong)_tensors.Sum(t => (double)t.Buffer.Size);

    /// <summary>A tensor holding <paramref name="values"/>, or random values of its type (u32 tensors: zeros).</summary>
    public DeviceTensor Tensor(TensorType type, string name, uint[]? values = null)
    {
        var t = DeviceTensor.Create(_ctx, type, name);
        _tensors.Add(t);
        if (values is not null)
        {
            if (values.Length != type.Elements)
                throw new ArgumentException($"benchmark tensor '{name}' {type} needs {type.Elements} values, got {values.Length}");
            t.Buffer.Upload<uint>(values);
        }
        else BenchFill.Random(t, _rng);
        return t;
    }

    /// <summary>A row-major weight, in one tensor when it fits a binding, else in row chunks of their own buffers
    /// (<see cref="RowSplit"/>, as the model stores them).</summary>
    public IReadOnlyList<(RowChunk Chunk, DeviceTensor Tensor)> Weight(TensorType type, string name)
    {
        long rowBytes = (long)(type.Bytes / (ulong)type[0]);
        return RowSplit.Split(type[0], rowBytes, MaxBindingBytes)
            .Select(c => (c, Tensor(TensorType.Of(type.DType, [c.RowCount, .. type.Shape[1..]]), $"{name}[{c.FirstRow}]")))
            .ToList();
    }

    public void Add(Kernel kernel, DeviceTensor[] inputs, DeviceTensor[] outputs) =>
        _kernels.Add(KernelRunner.Prepare(_ctx, kernel, inputs, outputs));

    /// <summary>Records one run: every dispatch of the case.</summary>
    public void Record(CommandRecorder r)
    {
        foreach (var k in _kernels) k.Record(r);
    }

    public void Dispose()
    {
        foreach (var k in _kernels) k.Dispose();
        foreach (var t in _tensors) t.Buffer.Dispose();
        _kernels.Clear();
        _tensors.Clear();
    }
}
