using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Reference.KernelBenchmarks;

/// <summary>The tensors and prepared dispatches of one benchmark case on a device. One run is every dispatch in
/// order, with a barrier only where the case asks (<see cref="Barrier"/>): row chunks of one split weight write
/// disjoint columns and run back to back in the model too. A case may hold several copies of its
/// dispatches over copies of its weight (<see cref="NextCopy"/>); successive runs take the copies in turn, so a
/// weight smaller than the device's caches is read from memory each run, as in a model's decode step.</summary>
public sealed class KernelBenchSetup : IDisposable
{
    readonly VulkanContext _ctx;
    readonly List<DeviceTensor> _tensors = new();
    readonly List<List<PreparedKernel?>> _copies = [[]];  // null: a barrier
    readonly Random _rng = new(1234);
    int _nextCopy;

    internal KernelBenchSetup(VulkanContext ctx, ulong maxBindingBytes)
    {
        _ctx = ctx;
        MaxBindingBytes = maxBindingBytes;
    }

    public ulong MaxBindingBytes { get; }
    /// <summary>Dispatches of one run.</summary>
    public int Dispatches => _copies[0].Count(k => k is not null);
    /// <summary>How many copies of the case's dispatches (and weight) the runs rotate through.</summary>
    public int Copies => _copies.Count;
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
        return RowSplit.Split(type.DType, type[0], type[1], MaxBindingBytes)
            .Select(c => (c, Tensor(TensorType.Of(type.DType, [c.RowCount, .. type.Shape[1..]]), $"{name}[{c.FirstRow}]")))
            .ToList();
    }

    public void Add(Kernel kernel, DeviceTensor[] inputs, DeviceTensor[] outputs) =>
        _copies[^1].Add(KernelRunner.Prepare(_ctx, kernel, inputs, outputs));

    /// <summary>A barrier between the dispatches added before and after (one depends on the other).</summary>
    public void Barrier() => _copies[^1].Add(null);

    /// <summary>Starts another copy of the run: the <see cref="Add"/>s that follow form it.</summary>
    public void NextCopy() => _copies.Add([]);

    /// <summary>Records one run: every dispatch of the next copy in turn.</summary>
    public void Record(CommandRecorder r)
    {
        Record(r, _nextCopy);
        _nextCopy = (_nextCopy + 1) % _copies.Count;
    }

    /// <summary>Records one run of copy <paramref name="copy"/>.</summary>
    public void Record(CommandRecorder r, int copy)
    {
        foreach (var k in _copies[copy])
        {
            if (k is null) r.Barrier();
            else k.Record(r);
        }
    }

    public void Dispose()
    {
        foreach (var k in _copies.SelectMany(c => c)) k?.Dispose();
        foreach (var t in _tensors) t.Buffer.Dispose();
        _copies.Clear();
        _copies.Add([]);
        _tensors.Clear();
    }
}
