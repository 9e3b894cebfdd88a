using QwenVk.Model.Checkpoints;
using QwenVk.Runtime;
using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Quantization;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Model.Inference;

/// <summary>Progress of a long load: bytes of FP16 weights uploaded so far, of how many, and the current tensor.</summary>
public readonly record struct LoadProgress(long DoneBytes, long TotalBytes, string Tensor);

/// <summary>One row range of a weight tensor: <see cref="Type"/>'s bytes at <see cref="Offset"/> of a GPU buffer. A
/// tensor larger than the device's maxStorageBufferRange is stored as several chunks, each bound and dispatched
/// separately; the members of a <see cref="QwenWeights.Stack"/> share one buffer.</summary>
public sealed record WeightChunk(GpuBuffer Buffer, int FirstRow, TensorType Type, ulong Offset = 0)
{
    public BufferRange Range => new(Buffer, Offset, Type.Bytes);
}

/// <summary>
/// The checkpoint's weights on the GPU, in FP16 or quantized (<see cref="WeightQuant"/>), streamed one tensor at a
/// time (BF16/F32 converted on the way), so the host never holds more than one tensor (gate and up, interleaved into
/// one stack, are held together). On unified memory an FP16 tensor is converted straight into mapped GPU memory.
/// In FP16 the layers' RMSNorm weights are folded into the projections that read them (<see cref="QwenWeights.NormFolds"/>):
/// those norms run without a weight (<see cref="IsFolded"/>). A GPTQ / AWQ checkpoint's packed projections are stored
/// as their own blocks (q4_z, q8_z: no rounding; act-order ones with their columns sorted by group, see
/// <see cref="ColumnOrder"/>), or, where groups are not whole blocks of 32 even so, dequantized to FP16. Quantized weights are quantized as stored, never folded
/// (folding would change the blocks): their norms apply the weight at run time.
/// </summary>
public sealed class GpuWeights : IDisposable
{
    readonly Dictionary<string, WeightChunk[]> _tensors = new();
    readonly HashSet<string> _foldedNorms = new();
    readonly Dictionary<string, WeightChunk> _columnOrders = new();

    public long Bytes { get; private set; }

    public WeightChunk[] this[string name] => _tensors.TryGetValue(name, out var c) ? c
        : throw new KeyNotFoundException($"weight '{name}' was not loaded.");

    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>The u32 [K] order weight <paramref name="name"/>'s columns are stored in (act-order GPTQ), or null when
    /// they are in the checkpoint's: a product with it reads x[.., order[j]] as its column j. Equal orders share one
    /// buffer, so the graph can gather once for q/k/v or gate/up.</summary>
    public WeightChunk? ColumnOrder(string name) => _columnOrders.GetValueOrDefault(name);
    /// <summary>True when the norm weight <paramref name="norm"/> is folded into every projection that reads its
    /// norm's output: that norm must run without its weight.</summary>
    public bool IsFolded(string norm) => _foldedNorms.Contains(norm);

    public static unsafe GpuWeights Upload(VulkanContext ctx, Checkpoint checkpoint, IProgress<LoadProgress>? progress = null,
        CancellationToken cancel = default, ulong? maxChunkBytes = null, WeightQuant quant = WeightQuant.F16)
    {
        if (quant != WeightQuant.F16 && checkpoint.Config.Quantization is { } packed)
            throw new NotSupportedException($"{checkpoint.Config.SourceFile}: field \"quantization_config\" says the checkpoint is already quantized ({packed.Name}, {packed.Bits}-bit); --quant {quant.Name()} would quantize it again. Load it without --quant.");
        var expected = QwenWeights.For(checkpoint.Config);
        var layouts = expected.Where(e => checkpoint.IsPacked(e.Name)).ToDictionary(e => e.Name, e => checkpoint.PackedBlockLayout(e.Name));
        var types = expected.ToDictionary(e => e.Name, e => layouts.TryGetValue(e.Name, out var layout) ? PackedType(checkpoint, layout) : quant.TypeOf(e.Name, e.Shape.Length));
        int[]? OrderOf(string name) => layouts.GetValueOrDefault(name)?.ColumnOrder;
        foreach (var e in expected)
            if (types[e.Name].IsBlockQuantized() && QuantizedLayout.Unsupported(types[e.Name], e.Shape[^1]) is { } why)
                throw new NotSupportedException($"{checkpoint.Folder}: cannot quantize to {quant.Name()}: tensor \"{e.Name}\" {e.ShapeText}: {why}. Load it as f16.");
        long total = expected.Sum(e => (long)TypeOf(e, types).Bytes);
        long done = 0;
        ulong maxBytes = Math.Min(maxChunkBytes ?? ulong.MaxValue, ctx.Capabilities.MaxStorageBufferRange);
        var stacked = PlanStacks(QwenWeights.Stacks(checkpoint.Config), expected, types, OrderOf, maxBytes);
        // A norm is folded only when every projection reading it is fp16: quantized blocks are kept as stored.
        var allFolds = QwenWeights.NormFolds(checkpoint.Config);
        var keptNorms = allFolds.Where(f => types[f.Key] != DType.F16).Select(f => f.Value).ToHashSet();
        var folds = allFolds.Where(f => !keptNorms.Contains(f.Value)).ToDictionary(f => f.Key, f => f.Value);
        var pendingQuant = new Dictionary<string, QuantSource>();  // quantized members of an interleaved stack read so far
        var normWeights = new Dictionary<string, float[]>();
        var pending = new Dictionary<string, Half[]>();  // members of an interleaved stack read so far
        var weights = new GpuWeights();
        weights._foldedNorms.UnionWith(folds.Values);
        try
        {
            foreach (var e in expected)
            {
                cancel.ThrowIfCancellationRequested();
                float[]? scale = null;
                if (folds.TryGetValue(e.Name, out var norm) && !normWeights.TryGetValue(norm, out scale))
                {
                    var info = checkpoint.Info(norm);
                    checkpoint.ReadAsSingle(norm, normWeights[norm] = scale = new float[info.Elements]);
                }
                var shape = e.Shape.Select(d => checked((int)d)).ToArray();
                int rows = shape[0];
                long rowElements = shape.Skip(1).Aggregate(1L, (a, d) => a * d);
                long elements = rows * rowElements;
                var dtype = types[e.Name];
                if (dtype.IsBlockQuantized())
                    UploadQuantized(ctx, checkpoint, weights, e.Name, dtype, rows, (int)rowElements, stacked.GetValueOrDefault(e.Name), pendingQuant, maxBytes);
                else if (stacked.TryGetValue(e.Name, out var slot) && slot.BlockRows > 0)
                {
                    // Interleaved: the stack is written once its last member has been read.
                    var host = new Half[elements];
                    Read(checkpoint, e.Name, host, scale);
                    pending[e.Name] = host;
                    if (slot.Members.All(pending.ContainsKey))
                    {
                        var buffer = ctx.CreateBuffer(slot.StackType.Bytes, slot.Stack);
                        weights._tensors[slot.Stack] = [new WeightChunk(buffer, 0, slot.StackType)];
                        WriteInterleaved(buffer, slot.Members.Select(m => pending[m]).ToArray(), slot.BlockRows * rowElements);
                        foreach (var m in slot.Members) pending.Remove(m);
                    }
                }
                else if (slot is not null)
                {
                    // A stack member: its rows go at its offset in the stack's one buffer, made with the first member.
                    if (!weights._tensors.TryGetValue(slot.Stack, out var stack))
                    {
                        var buffer = ctx.CreateBuffer(slot.StackType.Bytes, slot.Stack);
                        weights._tensors[slot.Stack] = stack = [new WeightChunk(buffer, 0, slot.StackType)];
                    }
                    var type = new TensorType(DType.F16, shape);
                    Write(checkpoint, e.Name, stack[0].Buffer, slot.Offset, elements, scale);
                    weights._tensors[e.Name] = [new WeightChunk(stack[0].Buffer, 0, type, slot.Offset)];
                }
                else
                {
                    var splits = RowSplit.Split(rows, rowElements * 2, maxBytes);
                    var chunks = new List<WeightChunk>();
                    try
                    {
                        foreach (var (firstRow, count) in splits)
                        {
                            var type = new TensorType(DType.F16, [count, .. shape[1..]]);
                            var buffer = ctx.CreateBuffer(type.Bytes, splits.Count == 1 ? e.Name : $"{e.Name}[{firstRow}:{firstRow + count}]");
                            chunks.Add(new WeightChunk(buffer, firstRow, type));
                        }
                        if (splits.Count == 1)
                            Write(checkpoint, e.Name, chunks[0].Buffer, 0, elements, scale);
                        else
                        {
                            var host = new Half[elements];
                            Read(checkpoint, e.Name, host, scale);
                            foreach (var c in chunks)
                                c.Buffer.Upload<Half>(host.AsSpan((int)(c.FirstRow * rowElements), (int)c.Type.Elements));
                        }
                    }
                    catch
                    {
                        foreach (var c in chunks) c.Buffer.Dispose();
                        throw;
                    }
                    weights._tensors[e.Name] = chunks.ToArray();
                }
                long bytes = (long)TypeOf(e, types).Bytes;
                weights.Bytes += bytes;
                done += bytes;
                progress?.Report(new LoadProgress(done, total, e.Name));
            }
            var orders = layouts.Where(l => l.Value?.ColumnOrder is not null).Select(l => (l.Key, l.Value!.ColumnOrder!)).ToList();
            orders.AddRange(stacked.Values.DistinctBy(slot => slot.Stack).Where(slot => OrderOf(slot.Members[0]) is not null)
                .Select(slot => (slot.Stack, OrderOf(slot.Members[0])!)));
            weights.AddColumnOrders(ctx, orders);
            return weights;
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    /// <summary>A GPTQ / AWQ projection's GPU type: its own blocks (q4_z, q8_z) when its groups are whole blocks of 32;
    /// else (act-order, groups that are not multiples of 32) fp16, dequantized at load.</summary>
    static DType PackedType(Checkpoint checkpoint, PackedWeight.BlockLayout? layout) =>
        layout is null ? DType.F16 : checkpoint.Config.Quantization!.Bits == 4 ? DType.Q4_Z : DType.Q8_Z;

    /// <summary>Uploads each distinct column order once and records it for every weight (and stack) stored in it.</summary>
    void AddColumnOrders(VulkanContext ctx, IEnumerable<(string Weight, int[] Order)> orders)
    {
        var uploaded = new List<(int[] Order, WeightChunk Chunk)>();
        foreach (var (weight, order) in orders)
        {
            var chunk = uploaded.FirstOrDefault(u => u.Order.SequenceEqual(order)).Chunk;
            if (chunk is null)
            {
                var type = TensorType.Of(DType.U32, order.Length);
                var buffer = ctx.CreateBuffer(type.Bytes, $"{weight}.column_order");
                chunk = new WeightChunk(buffer, 0, type);
                uploaded.Add((order, chunk));
                _orderBuffers.Add(buffer);
                buffer.Upload<uint>(Array.ConvertAll(order, c => (uint)c));
            }
            _columnOrders[weight] = chunk;
        }
    }

    readonly List<GpuBuffer> _orderBuffers = new();

    static TensorType TypeOf(QwenWeights.Expected e, Dictionary<string, DType> types) =>
        new(types[e.Name], e.Shape.Select(d => checked((int)d)).ToArray());

    /// <summary>Where a quantized weight's rows come from: float32 values to quantize with llama.cpp's quantizers
    /// (q8_0, q4_0), or a GPTQ / AWQ projection's own blocks (q4_z, q8_z), taken as they are.</summary>
    sealed record QuantSource(float[]? Values, PackedBlocks? Blocks);

    /// <summary>A quantized weight [rows, K], quantized (or repacked) row by row and laid out in row groups
    /// (<see cref="QuantizedLayout"/>), as one tensor, a member of a stack, or row chunks.</summary>
    static void UploadQuantized(VulkanContext ctx, Checkpoint checkpoint, GpuWeights weights, string name, DType dtype, int rows, int k,
        StackSlot? slot, Dictionary<string, QuantSource> pending, ulong maxBytes)
    {
        QuantSource source;
        if (dtype.HasZeros()) source = new(null, checkpoint.ReadPackedBlocks(name) ?? throw new InvalidOperationException($"{name} has no blocks"));
        else
        {
            var values = new float[(long)rows * k];
            checkpoint.ReadAsSingle(name, values);  // refuses non-finite values, naming the tensor
            source = new(values, null);
        }
        if (slot is { BlockRows: > 0 })
        {
            pending[name] = source;
            if (!slot.Members.All(pending.ContainsKey)) return;
            // Gate and up rows alternate in blocks, then the stack is laid out as one weight: each row's blocks are
            // the same whichever order the rows come in.
            var members = slot.Members.Select(m => pending[m]).ToArray();
            int block = slot.BlockRows;
            var buffer = ctx.CreateBuffer(slot.StackType.Bytes, slot.Stack);
            weights._tensors[slot.Stack] = [new WeightChunk(buffer, 0, slot.StackType)];
            buffer.Upload<byte>(Pack(dtype, slot.StackType[0], k, r =>
            {
                int b = r / block;
                return (members[b % members.Length], b / members.Length * block + r % block);
            }));
            foreach (var m in slot.Members) pending.Remove(m);
            return;
        }
        var type = TensorType.Of(dtype, rows, k);
        if (slot is not null)
        {
            if (!weights._tensors.TryGetValue(slot.Stack, out var stack))
            {
                var buffer = ctx.CreateBuffer(slot.StackType.Bytes, slot.Stack);
                weights._tensors[slot.Stack] = stack = [new WeightChunk(buffer, 0, slot.StackType)];
            }
            stack[0].Buffer.Upload<byte>(Pack(dtype, rows, k, r => (source, r)), slot.Offset);
            weights._tensors[name] = [new WeightChunk(stack[0].Buffer, 0, type, slot.Offset)];
            return;
        }
        var splits = RowSplit.Split(dtype, rows, k, maxBytes);
        var chunks = new List<WeightChunk>();
        try
        {
            foreach (var (firstRow, count) in splits)
            {
                var chunkType = TensorType.Of(dtype, count, k);
                var buffer = ctx.CreateBuffer(chunkType.Bytes, splits.Count == 1 ? name : $"{name}[{firstRow}:{firstRow + count}]");
                chunks.Add(new WeightChunk(buffer, firstRow, chunkType));
                buffer.Upload<byte>(Pack(dtype, count, k, r => (source, firstRow + r)));
            }
        }
        catch
        {
            foreach (var c in chunks) c.Buffer.Dispose();
            throw;
        }
        weights._tensors[name] = chunks.ToArray();
    }

    /// <summary>Lays out <paramref name="rows"/> rows for the GPU, row r being row <c>rowOf(r).Row</c> of its source.</summary>
    static byte[] Pack(DType dtype, int rows, int k, Func<int, (QuantSource Source, int Row)> rowOf)
    {
        var packed = new byte[QuantizedLayout.Bytes(dtype, rows, k)];
        if (dtype.HasZeros())
        {
            QuantizedLayout.PackZeroPoint(dtype, rows, k, (r, q, d, z) =>
            {
                var (source, row) = rowOf(r);
                source.Blocks!.Row(row, q, d, z);
            }, packed);
            return packed;
        }
        QuantizedLayout.Quantize(dtype, rows, k, r =>
        {
            var (source, row) = rowOf(r);
            return source.Values.AsSpan((int)((long)row * k), k);
        }, packed);
        return packed;
    }

    /// <summary>Writes a whole tensor at <paramref name="offset"/> of <paramref name="buffer"/> as FP16, its columns
    /// multiplied by <paramref name="columnScale"/> when given. On unified memory it is converted straight into the
    /// mapped GPU buffer, with no host copy.</summary>
    static unsafe void Write(Checkpoint checkpoint, string name, GpuBuffer buffer, ulong offset, long elements, float[]? columnScale)
    {
        if (buffer.IsMapped && elements <= int.MaxValue)
        {
            Read(checkpoint, name, new Span<Half>(buffer.Mapped + offset, (int)elements), columnScale);
            return;
        }
        var host = new Half[elements];
        Read(checkpoint, name, host, columnScale);
        buffer.Upload<Half>(host, offset);
    }

    static void Read(Checkpoint checkpoint, string name, Span<Half> destination, float[]? columnScale)
    {
        if (columnScale is null) checkpoint.ReadAsHalf(name, destination);
        else checkpoint.ReadAsHalf(name, destination, columnScale);
    }

    /// <summary>Writes the members' rows into <paramref name="buffer"/> in turn, <paramref name="blockElements"/> at a
    /// time (one block of rows of each member, then the next block).</summary>
    static unsafe void WriteInterleaved(GpuBuffer buffer, Half[][] members, long blockElements)
    {
        long total = members.Sum(m => (long)m.Length);
        bool direct = buffer.IsMapped && total <= int.MaxValue;
        var host = direct ? null : new Half[total];
        var dst = direct ? new Span<Half>(buffer.Mapped, (int)total) : host.AsSpan();
        long at = 0;
        for (long start = 0; start < members[0].Length; start += blockElements)
            foreach (var m in members)
            {
                m.AsSpan((int)start, (int)blockElements).CopyTo(dst.Slice((int)at));
                at += blockElements;
            }
        if (host is not null) buffer.Upload<Half>(host);
    }

    /// <summary>Where a stack member goes: at <see cref="Offset"/> of the stack's buffer, or (BlockRows > 0) interleaved
    /// with the other <see cref="Members"/>.</summary>
    sealed record StackSlot(string Stack, TensorType StackType, ulong Offset, int BlockRows, string[] Members);

    /// <summary>Where each member of each stack goes. A stack is stored only when its members agree on every
    /// dimension but the first, each member starts at a multiple of 256 bytes (so it can still be bound alone, for
    /// prefill) or, interleaved, all have the same shape with rows a multiple of the block, and the whole fits one
    /// binding; otherwise its members are stored as usual.
    /// A quantized stack also needs its members' types to agree and each member to be whole row groups, so the
    /// stack's groups are its members' groups.</summary>
    static Dictionary<string, StackSlot> PlanStacks(IReadOnlyList<QwenWeights.Stack> stacks, IReadOnlyList<QwenWeights.Expected> expected,
        Dictionary<string, DType> types, Func<string, int[]?> columnOrder, ulong maxBytes)
    {
        var byName = expected.ToDictionary(e => e.Name);
        var slots = new Dictionary<string, StackSlot>();
        foreach (var stack in stacks)
        {
            if (!stack.Members.All(byName.ContainsKey)) continue;
            var members = stack.Members.Select(m => byName[m].Shape).ToArray();
            var dtype = types[stack.Members[0]];
            if (stack.Members.Any(m => types[m] != dtype)) continue;
            // One product reads one input: the members' columns must be in one order.
            var order = columnOrder(stack.Members[0]);
            if (stack.Members.Any(m => columnOrder(m) is var o && (o is null ? order is not null : order is null || !o.SequenceEqual(order)))) continue;
            if (members.Any(m => !m.Skip(1).SequenceEqual(members[0].Skip(1)))) continue;
            if (dtype.IsBlockQuantized() && members.Any(m => m[0] % QuantizedLayout.GroupRows != 0)) continue;
            var bytes = stack.Members.Select(m => (long)TypeOf(byName[m], types).Bytes).ToArray();
            if ((ulong)bytes.Sum() > maxBytes) continue;
            if (stack.BlockRows > 0
                ? members.Any(m => m[0] != members[0][0] || m[0] % stack.BlockRows != 0)
                : bytes.Any(b => b % (long)BufferRange.PortableAlignment != 0)) continue;
            var type = new TensorType(dtype, [checked((int)members.Sum(m => m[0])), .. members[0].Skip(1).Select(d => checked((int)d))]);
            ulong offset = 0;
            for (int i = 0; i < members.Length; i++)
            {
                slots[stack.Members[i]] = new StackSlot(stack.Name, type, offset, stack.BlockRows, stack.Members);
                offset += (ulong)bytes[i];
            }
        }
        return slots;
    }

    public void Dispose()
    {
        foreach (var b in _tensors.Values.SelectMany(x => x).Select(c => c.Buffer).Concat(_orderBuffers).Distinct()) b.Dispose();
        _tensors.Clear();
        _columnOrders.Clear();
        _orderBuffers.Clear();
    }
}
