using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Graph;

public sealed record CompileOptions
{
    /// <summary>Apply fusion passes (a kernel absorbing the row broadcast that follows it).</summary>
    public bool Fuse { get; init; } = true;
    /// <summary>Alias transient tensors with disjoint lifetimes in one arena. Off: every transient gets its own slot.</summary>
    public bool Alias { get; init; } = true;
    /// <summary>Barrier after every node instead of only where a hazard exists (the naive schedule, for tests).</summary>
    public bool BarrierAfterEveryNode { get; init; }
    /// <summary>Nodes per command buffer: the first run records chunk k+1 while the GPU executes chunk k.</summary>
    public int ChunkNodes { get; init; } = 64;
}

/// <summary>A graph that cannot be compiled: names the node or tensor and what is wrong.</summary>
public sealed class GraphCompileException(string message) : Exception(message);

/// <summary>
/// Compile: declared graph + bindings of external tensors -> <see cref="CompiledGraph"/>. Passes, in order:
/// validate, fuse, cull, order, lifetimes, arena placement, bindings and pipelines, barriers, descriptor sets.
/// Each pass is a method below; none of them touches the GPU except the last two.
/// </summary>
public static class GraphCompiler
{
    public static CompiledGraph Compile(VulkanContext ctx, ComputeGraph graph,
        IReadOnlyDictionary<GraphTensor, BufferRange> externals, CompileOptions? options = null)
    {
        options ??= new CompileOptions();
        Validate(graph, externals);
        var nodes = graph.Nodes.Select(n => new PlannedNode
        {
            Name = n.Name, Kernel = n.Kernel, Inputs = n.Inputs.ToArray(), Outputs = n.Outputs.ToArray(), Declared = [n.Name],
        }).ToList();
        int declared = nodes.Count;
        if (options.Fuse) nodes = Fuse(nodes);
        int fused = declared - nodes.Count;
        nodes = Cull(nodes);
        nodes = Order(nodes);
        var lifetimes = Lifetimes(nodes);
        ulong align = Math.Max(BufferRange.PortableAlignment, ctx.Capabilities.MinStorageBufferOffsetAlignment);
        var placement = options.Alias ? ArenaAllocator.Place(lifetimes, align) : ArenaAllocator.PlaceWithoutAliasing(lifetimes, align);
        var compiled = new CompiledGraph(ctx, graph.Name, nodes, lifetimes, placement, externals, declared, fused, options);
        try
        {
            compiled.Bind();
            BarrierPlanner.Plan(nodes, options.BarrierAfterEveryNode);
            compiled.AllocateDescriptors();
        }
        catch
        {
            compiled.Dispose();
            throw;
        }
        return compiled;
    }

    /// <summary>Types against kernels, every external bound with enough bytes, no transient read before written.</summary>
    static void Validate(ComputeGraph graph, IReadOnlyDictionary<GraphTensor, BufferRange> externals)
    {
        foreach (var t in graph.Tensors.Where(t => t.IsExternal && !t.IsView))
        {
            if (!externals.TryGetValue(t, out var range))
                throw new GraphCompileException($"{t.Kind.ToString().ToLowerInvariant()} tensor '{t.Name}' ({t.Type}) has no buffer bound.");
            if (range.Size < t.Type.Bytes)
                throw new GraphCompileException($"tensor '{t.Name}' ({t.Type}) needs {t.Type.Bytes} bytes; its bound range holds {range.Size}.");
        }
        var written = new HashSet<GraphTensor>();
        foreach (var n in graph.Nodes)
        {
            try
            {
                n.Kernel.Validate(n.Inputs.Select(t => t.Type).ToArray(), n.Outputs.Select(t => t.Type).ToArray());
            }
            catch (KernelShapeException e)
            {
                throw new GraphCompileException($"node '{n.Name}' ({n.Kernel.Describe()}): {e.Message}; inputs {string.Join(", ", n.Inputs)}; outputs {string.Join(", ", n.Outputs)}");
            }
            foreach (var t in n.Inputs)
                if (t.Kind == TensorKind.Transient && !written.Contains(t.Base))
                    throw new GraphCompileException($"node '{n.Name}' reads transient tensor '{t.Name}' before any node writes it.");
            foreach (var t in n.Outputs)
            {
                if (t.Kind == TensorKind.Input)
                    throw new GraphCompileException($"node '{n.Name}' writes input tensor '{t.Name}'; inputs are written by the host only.");
                written.Add(t.Base);
            }
        }
    }

    /// <summary>Fusion: a node whose only consumer is a row broadcast (bias add, weight multiply), an add (the
    /// residual connection) or a SwiGLU of its stacked gate/up output takes it into itself when its kernel
    /// can (<see cref="IAbsorbsRowBroadcast"/>, <see cref="IAbsorbsResidual"/>, <see cref="IAbsorbsSwiGlu"/>); and an
    /// RMSNorm without weight is taken into its only consumer when that can (<see cref="IAbsorbsInputNorm"/>). Each
    /// saves a dispatch and a round trip of the intermediate tensor through memory.</summary>
    internal static List<PlannedNode> Fuse(List<PlannedNode> nodes)
    {
        var result = new List<PlannedNode>(nodes);
        for (int i = 0; i < result.Count; i++)
        {
            var producer = result[i];
            if (producer.Outputs.Length != 1) continue;
            var mid = producer.Outputs[0];
            if (mid.Kind != TensorKind.Transient) continue;
            if (mid.IsView) continue;
            var readers = result.Where(n => n.Inputs.Any(t => t.Base == mid)).ToList();
            var writers = result.Where(n => n.Outputs.Any(t => t.Base == mid)).ToList();
            if (readers.Count != 1 || writers.Count != 1) continue;
            var consumer = readers[0];
            if (producer.Kernel is RmsNormKernel { HasWeight: false } norm && consumer.Kernel is IAbsorbsInputNorm normAbsorber
                && consumer.Inputs[0] == mid && consumer.Inputs.Skip(1).All(t => t.Base != mid))
            {
                if (FuseInputNorm(result, i, consumer, normAbsorber.AbsorbInputNorm(norm.Eps))) i--;
                continue;
            }
            // The consumer's other operand, if any, becomes the fused kernel's extra (last) input.
            GraphTensor? other;
            Kernel? fusedKernel;
            if (producer.Kernel is IAbsorbsRowBroadcast absorber && consumer.Kernel is IRowBroadcast broadcast
                && consumer.Inputs[0] == mid && consumer.Inputs[1] != mid)
            {
                other = consumer.Inputs[1];
                fusedKernel = absorber.Absorb(broadcast.Op);
            }
            else if (producer.Kernel is IAbsorbsResidual residual && consumer.Kernel is AddKernel
                && (consumer.Inputs[0] == mid) != (consumer.Inputs[1] == mid) && consumer.Inputs.All(t => t == mid || t.Base != mid))
            {
                other = consumer.Inputs[0] == mid ? consumer.Inputs[1] : consumer.Inputs[0];
                fusedKernel = residual.AbsorbResidual();
            }
            else if (producer.Kernel is IAbsorbsSwiGlu glu && consumer.Kernel is SiluMulKernel { Stacked: true } && consumer.Inputs[0] == mid)
            {
                other = null;
                fusedKernel = glu.AbsorbSwiGlu();
            }
            else continue;
            if (fusedKernel is null) continue;
            int j = result.IndexOf(consumer);
            // Moving the consumer's work up to the producer is only safe if nothing in between touches its operand or output.
            bool clash = result.Skip(i + 1).Take(j - i - 1).Any(n =>
                (other is not null && n.Outputs.Any(t => t.Base == other.Base)) || n.Tensors.Any(t => t.Base == consumer.Outputs[0].Base));
            if (clash) continue;
            var fused = new PlannedNode
            {
                Name = producer.Name,
                Kernel = fusedKernel,
                Inputs = other is null ? producer.Inputs : [.. producer.Inputs, other],
                Outputs = consumer.Outputs,
                Declared = [.. producer.Declared, .. consumer.Declared],
            };
            if (!Validates(fused)) continue; // e.g. a bias covering more columns than this matmul writes: keep the pair unfused
            result[i] = fused;
            result.RemoveAt(j);
        }
        return result;
    }

    /// <summary>Replaces the RMSNorm at <paramref name="i"/> and its one reader by the reader with the norm taken in,
    /// at the reader's place, reading the norm's input: safe when nothing in between writes that input.</summary>
    static bool FuseInputNorm(List<PlannedNode> result, int i, PlannedNode consumer, Kernel? fusedKernel)
    {
        if (fusedKernel is null) return false;
        var producer = result[i];
        var source = producer.Inputs[0];
        int j = result.IndexOf(consumer);
        if (result.Skip(i + 1).Take(j - i - 1).Any(n => n.Outputs.Any(t => t.Base == source.Base))) return false;
        var fused = new PlannedNode
        {
            Name = consumer.Name,
            Kernel = fusedKernel,
            Inputs = [source, .. consumer.Inputs.Skip(1)],
            Outputs = consumer.Outputs,
            Declared = [.. producer.Declared, .. consumer.Declared],
        };
        if (!Validates(fused)) return false;
        result[j] = fused;
        result.RemoveAt(i);
        return true;
    }

    /// <summary>Whether a fused node's kernel accepts its tensors; fusion keeps the pair apart where it does not.</summary>
    static bool Validates(PlannedNode fused)
    {
        try
        {
            fused.Kernel.Validate(fused.Inputs.Select(t => t.Type).ToArray(), fused.Outputs.Select(t => t.Type).ToArray());
            return true;
        }
        catch (KernelShapeException)
        {
            return false;
        }
    }

    /// <summary>Culling: keep a node only if it writes an output or persistent tensor, or a transient that a kept
    /// node reads. Walks backwards, so one pass suffices.</summary>
    internal static List<PlannedNode> Cull(List<PlannedNode> nodes)
    {
        var needed = new HashSet<GraphTensor>();
        var keep = new bool[nodes.Count];
        for (int i = nodes.Count - 1; i >= 0; i--)
        {
            var n = nodes[i];
            keep[i] = n.Outputs.Any(t => t.Kind is TensorKind.Output or TensorKind.Persistent || needed.Contains(t.Base));
            if (keep[i])
                foreach (var t in n.Inputs) needed.Add(t.Base);
        }
        return nodes.Where((_, i) => keep[i]).ToList();
    }

    /// <summary>Topological order: edges from each tensor's access sequence in declaration order (read after
    /// write, write after read, write after write); ties broken by declaration order (Kahn's algorithm).</summary>
    internal static List<PlannedNode> Order(List<PlannedNode> nodes)
    {
        int n = nodes.Count;
        var edges = new List<int>[n];
        var indegree = new int[n];
        for (int i = 0; i < n; i++) edges[i] = new List<int>();
        var lastWriter = new Dictionary<GraphTensor, int>();
        var readersSinceWrite = new Dictionary<GraphTensor, List<int>>();
        void Edge(int from, int to)
        {
            if (from == to || edges[from].Contains(to)) return;
            edges[from].Add(to);
            indegree[to]++;
        }
        for (int i = 0; i < n; i++)
        {
            foreach (var t in nodes[i].Inputs.Select(t => t.Base))
            {
                if (lastWriter.TryGetValue(t, out int w)) Edge(w, i);
                (readersSinceWrite.TryGetValue(t, out var r) ? r : readersSinceWrite[t] = new List<int>()).Add(i);
            }
            foreach (var t in nodes[i].Outputs.Select(t => t.Base))
            {
                if (lastWriter.TryGetValue(t, out int w)) Edge(w, i);
                if (readersSinceWrite.TryGetValue(t, out var readers))
                    foreach (var r in readers) Edge(r, i);
                lastWriter[t] = i;
                readersSinceWrite[t] = new List<int>();
            }
        }
        var ready = new SortedSet<int>(Enumerable.Range(0, n).Where(i => indegree[i] == 0));
        var order = new List<PlannedNode>(n);
        while (ready.Count > 0)
        {
            int i = ready.Min;
            ready.Remove(i);
            order.Add(nodes[i]);
            foreach (var j in edges[i])
                if (--indegree[j] == 0) ready.Add(j);
        }
        if (order.Count != n) throw new GraphCompileException("the graph has a cycle.");
        return order;
    }

    /// <summary>First and last position (in execution order) at which each transient tensor is touched.</summary>
    internal static List<Lifetime> Lifetimes(List<PlannedNode> nodes)
    {
        var first = new Dictionary<GraphTensor, int>();
        var last = new Dictionary<GraphTensor, int>();
        for (int i = 0; i < nodes.Count; i++)
            foreach (var t in nodes[i].Tensors.Where(t => t.Kind == TensorKind.Transient).Select(t => t.Base).Distinct())
            {
                first.TryAdd(t, i);
                last[t] = i;
            }
        return first.Select(kv => new Lifetime(kv.Key, kv.Value, last[kv.Key])).OrderBy(l => l.Tensor.Id).ToList();
    }
}

/// <summary>A transient tensor is live from the node that first touches it to the node that last does.</summary>
public readonly record struct Lifetime(GraphTensor Tensor, int First, int Last)
{
    public bool Overlaps(Lifetime o) => First <= o.Last && o.First <= Last;
}
