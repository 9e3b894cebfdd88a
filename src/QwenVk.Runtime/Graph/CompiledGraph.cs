using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Graph;

/// <summary>
/// Execute: a compiled graph owns its arena, descriptor sets and recorded command buffers. <see cref="Run"/>
/// records once (chunk by chunk, submitting each chunk as soon as it is recorded so recording overlaps execution)
/// and afterwards replays the recorded command buffers. Per-step values (positions) live in input tensors the host
/// rewrites between runs, never in the recording.
/// </summary>
public sealed class CompiledGraph : IDisposable
{
    readonly VulkanContext _ctx;
    readonly IReadOnlyDictionary<GraphTensor, BufferRange> _externals;
    readonly CompileOptions _options;
    readonly List<CommandRecorder> _chunks = new();
    readonly Dictionary<double, List<(int Start, int End, CommandRecorder Recorder)>> _slicesByBudget = new();
    GpuBuffer? _arena;
    DescriptorArena? _descriptors;
    double[]? _nodeNs;
    bool _disposed;

    public string Name { get; }
    public IReadOnlyList<PlannedNode> Nodes { get; }
    public IReadOnlyList<Lifetime> Lifetimes { get; }
    public ArenaPlacement Placement { get; }
    public int DeclaredNodeCount { get; }
    public int FusedAway { get; }
    public int CulledAway => DeclaredNodeCount - FusedAway - Nodes.Count;
    /// <summary>Barriers placed for hazards between nodes (not counting the one at the start of each submission).</summary>
    public int BarrierCount => Nodes.Count(n => n.BarrierBefore);
    public int DispatchCount => Nodes.Count;
    public int ChunkNodes => Math.Max(1, _options.ChunkNodes);
    public int ChunkCount => (Nodes.Count + _options.ChunkNodes - 1) / Math.Max(1, _options.ChunkNodes);

    internal CompiledGraph(VulkanContext ctx, string name, List<PlannedNode> nodes, List<Lifetime> lifetimes,
        ArenaPlacement placement, IReadOnlyDictionary<GraphTensor, BufferRange> externals, int declared, int fused, CompileOptions options)
    {
        _ctx = ctx; Name = name; Nodes = nodes; Lifetimes = lifetimes; Placement = placement; _externals = externals;
        DeclaredNodeCount = declared; FusedAway = fused; _options = options;
    }

    /// <summary>Where a tensor's bytes are: its bound range (external) or its arena slot (transient).</summary>
    public BufferRange Location(GraphTensor t) => t.IsExternal
        ? new BufferRange(_externals[t.Base].Buffer, _externals[t.Base].Offset + t.ByteOffset, t.Type.Bytes)
        : new BufferRange(_arena!, Placement.Offsets[t.Base] + t.ByteOffset, t.Type.Bytes);

    internal void Bind()
    {
        if (Placement.ArenaBytes > 0) _arena = _ctx.CreateBuffer(Placement.ArenaBytes, $"{Name} arena");
        foreach (var n in Nodes)
        {
            n.Bindings = n.Tensors.Select(Location).ToArray();
            n.Dispatch = n.Kernel.Plan(n.Inputs.Select(t => t.Type).ToArray(), n.Outputs.Select(t => t.Type).ToArray(), _ctx.Capabilities);
            n.Pipeline = _ctx.GetPipeline(n.Dispatch.Shader, n.Bindings.Length, (uint)n.Dispatch.PushConstants.Length, n.Dispatch.Specialization, n.Dispatch.TexelBindings);
        }
        // Now rather than only on Dispose: a process that ends without disposing (Ctrl+C at chat's prompt) keeps them.
        _ctx.PipelineCache.Save();
    }

    internal void AllocateDescriptors()
    {
        _descriptors = new DescriptorArena(_ctx, Nodes.Count, Nodes.Sum(n => n.Bindings.Length));
        foreach (var n in Nodes) n.Set = _descriptors.Allocate(n.Pipeline!, n.Bindings);
    }

    /// <summary>Runs the whole graph and waits for it.</summary>
    public void Run()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_chunks.Count == 0)
        {
            // First run: record chunk k+1 while the GPU works on chunk k.
            for (int start = 0; start < Nodes.Count; start += _options.ChunkNodes)
            {
                var rec = Record(start, Math.Min(Nodes.Count, start + _options.ChunkNodes), timestamps: null);
                _chunks.Add(rec);
                rec.Submit();
            }
        }
        else
        {
            foreach (var c in _chunks) c.Submit();
        }
        foreach (var c in _chunks) c.Wait();
    }

    /// <summary>Records nodes [start, end) into a new command buffer, opening with a barrier so that it is ordered
    /// after earlier submissions and host writes, and closing with one so the host can read what it wrote.</summary>
    CommandRecorder Record(int start, int end, TimestampPool? timestamps)
    {
        var rec = new CommandRecorder(_ctx);
        rec.Begin(oneTime: false);
        if (timestamps is not null)
        {
            rec.ResetQueries(timestamps.Handle, 0, timestamps.Capacity);
            rec.Timestamp(timestamps.Handle, 0);
        }
        rec.Barrier();
        for (int i = start; i < end; i++)
        {
            var n = Nodes[i];
            // Profiling puts a barrier before every node so each timestamp interval holds exactly one node's work.
            if ((n.BarrierBefore || timestamps is not null) && i > start) rec.Barrier();
            var d = n.Dispatch!;
            rec.Dispatch(n.Pipeline!, n.Set, d.PushConstants, d.GroupsX, d.GroupsY, d.GroupsZ);
            if (timestamps is not null) rec.Timestamp(timestamps.Handle, (uint)(i - start + 1));
        }
        rec.Barrier();
        rec.End();
        return rec;
    }

    /// <summary>Runs the graph once with a timestamp after every node; returns GPU nanoseconds per node.</summary>
    public GraphProfile Profile()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_ctx.Capabilities.TimestampsSupported)
            throw new VulkanException($"device '{_ctx.Capabilities.Name}' has no compute timestamps; profiling is not possible.");
        using var pool = new TimestampPool(_ctx, (uint)Nodes.Count + 1);
        using var rec = Record(0, Nodes.Count, pool);
        rec.SubmitAndWait();
        var t = pool.ReadNanoseconds((uint)Nodes.Count + 1);
        _nodeNs = Enumerable.Range(0, Nodes.Count).Select(i => Math.Max(0, t[i + 1] - t[i])).ToArray();
        return new GraphProfile(Nodes, _nodeNs);
    }

    /// <summary>Budgeted execution: runs the graph in slices whose measured GPU time (from <see cref="Profile"/>,
    /// measured on first use) fits <paramref name="budgetNs"/> each, calling <paramref name="betweenSlices"/>
    /// after each slice so a host renderer can submit a frame. A node longer than the budget gets a slice of its
    /// own. Returns the number of slices. The results are those of <see cref="Run"/>: same dispatches, same order.</summary>
    public int RunSliced(double budgetNs, Action<int>? betweenSlices = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_nodeNs is null) Profile();
        if (!_slicesByBudget.TryGetValue(budgetNs, out var slices))
        {
            slices = new();
            int start = 0;
            double acc = 0;
            for (int i = 0; i < Nodes.Count; i++)
            {
                if (i > start && acc + _nodeNs![i] > budgetNs)
                {
                    slices.Add((start, i, Record(start, i, null)));
                    start = i;
                    acc = 0;
                }
                acc += _nodeNs![i];
            }
            if (start < Nodes.Count) slices.Add((start, Nodes.Count, Record(start, Nodes.Count, null)));
            _slicesByBudget[budgetNs] = slices;
        }
        for (int s = 0; s < slices.Count; s++)
        {
            slices[s].Recorder.SubmitAndWait();
            betweenSlices?.Invoke(s);
        }
        return slices.Count;
    }

    public MemoryReport Memory() => new(
        Placement.ArenaBytes,
        Placement.TransientBytes,
        // Two tensors bound to the same bytes (tied embeddings read as the lm_head) are counted once.
        _externals.Where(kv => !kv.Key.IsView)
            .DistinctBy(kv => (kv.Value.Buffer, kv.Value.Offset))
            .GroupBy(kv => kv.Key.Category)
            .ToDictionary(g => g.Key, g => g.Aggregate(0UL, (s, kv) => s + kv.Key.Type.Bytes)));

    public string Dump() => GraphDump.Text(this);
    public string ToDot() => GraphDump.Dot(this);

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var c in _chunks) c.Dispose();
        foreach (var s in _slicesByBudget.Values.SelectMany(x => x)) s.Recorder.Dispose();
        _descriptors?.Dispose();
        _arena?.Dispose();
    }
}

/// <summary>Bytes of the arena (after aliasing) against the sum of transient sizes, and external bytes by category.</summary>
public sealed record MemoryReport(ulong ArenaBytes, ulong TransientBytes, IReadOnlyDictionary<string, ulong> ExternalBytes)
{
    public override string ToString()
    {
        static string M(ulong b) => $"{b / (1024.0 * 1024.0):F2} MiB";
        var ext = string.Join(", ", ExternalBytes.OrderBy(k => k.Key).Select(k => $"{k.Key} {M(k.Value)}"));
        return $"arena {M(ArenaBytes)} for {M(TransientBytes)} of transients ({(TransientBytes == 0 ? 0 : 100.0 * ArenaBytes / TransientBytes):F0}%); {ext}";
    }
}
