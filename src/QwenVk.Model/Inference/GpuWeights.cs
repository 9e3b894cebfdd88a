using QwenVk.Model.Checkpoints;
using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Model.Inference;

/// <summary>Progress of a long load: bytes of FP16 weights uploaded so far, of how many, and the current tensor.</summary>
public readonly record struct LoadProgress(long DoneBytes, long TotalBytes, string Tensor);

/// <summary>One row range of a weight tensor in its own GPU buffer. A tensor larger than the device's
/// maxStorageBufferRange is stored as several chunks, each bound and dispatched separately.</summary>
public sealed record WeightChunk(GpuBuffer Buffer, int FirstRow, TensorType Type);

/// <summary>
/// The checkpoint's weights on the GPU, in FP16, streamed one tensor at a time (BF16/F32 converted on the way), so the
/// host never holds more than one tensor. On unified memory the tensor is converted straight into mapped GPU memory.
/// </summary>
public sealed class GpuWeights : IDisposable
{
    readonly Dictionary<string, WeightChunk[]> _tensors = new();

    public long Bytes { get; private set; }

    public WeightChunk[] this[string name] => _tensors.TryGetValue(name, out var c) ? c
        : throw new KeyNotFoundException($"weight '{name}' was not loaded.");

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public static unsafe GpuWeights Upload(VulkanContext ctx, Checkpoint checkpoint, IProgress<LoadProgress>? progress = null,
        CancellationToken cancel = default, ulong? maxChunkBytes = null)
    {
        var expected = QwenWeights.For(checkpoint.Config);
        long total = expected.Sum(e => e.Shape.Aggregate(2L, (a, d) => a * d));
        long done = 0;
        var weights = new GpuWeights();
        try
        {
            foreach (var e in expected)
            {
                cancel.ThrowIfCancellationRequested();
                var shape = e.Shape.Select(d => checked((int)d)).ToArray();
                int rows = shape[0];
                long rowElements = shape.Skip(1).Aggregate(1L, (a, d) => a * d);
                var splits = RowSplit.Split(rows, rowElements * 2, Math.Min(maxChunkBytes ?? ulong.MaxValue, ctx.Capabilities.MaxStorageBufferRange));
                var chunks = new List<WeightChunk>();
                long elements = rows * rowElements;
                Half[]? host = null;
                try
                {
                    foreach (var (firstRow, count) in splits)
                    {
                        var type = new TensorType(DType.F16, [count, .. shape[1..]]);
                        var buffer = ctx.CreateBuffer(type.Bytes, splits.Count == 1 ? e.Name : $"{e.Name}[{firstRow}:{firstRow + count}]");
                        chunks.Add(new WeightChunk(buffer, firstRow, type));
                        long n = count * rowElements;
                        if (splits.Count == 1 && buffer.IsMapped && n <= int.MaxValue)
                        {
                            // Unified memory: convert straight into the mapped GPU buffer, no host copy.
                            checkpoint.ReadAsHalf(e.Name, new Span<Half>(buffer.Mapped, (int)n));
                            continue;
                        }
                        if (host is null)
                        {
                            host = new Half[elements];
                            checkpoint.ReadAsHalf(e.Name, host);
                        }
                        buffer.Upload<Half>(host.AsSpan((int)(firstRow * rowElements), (int)n));
                    }
                }
                catch
                {
                    foreach (var c in chunks) c.Buffer.Dispose();
                    throw;
                }
                weights._tensors[e.Name] = chunks.ToArray();
                weights.Bytes += elements * 2;
                done += elements * 2;
                progress?.Report(new LoadProgress(done, total, e.Name));
            }
            return weights;
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var c in _tensors.Values.SelectMany(x => x)) c.Buffer.Dispose();
        _tensors.Clear();
    }
}
