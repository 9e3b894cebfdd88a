using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Graph;

/// <summary>
/// Declare: the model states what it computes as nodes over virtual tensors; nothing touches the GPU here.
/// Nodes are kept in declaration order, which must be a valid program order (a node reads what earlier nodes
/// wrote). <see cref="GraphCompiler"/> turns the declaration into a <see cref="CompiledGraph"/>.
/// </summary>
public sealed class ComputeGraph
{
    readonly List<GraphTensor> _tensors = new();
    readonly List<GraphNode> _nodes = new();
    readonly HashSet<string> _tensorNames = new();
    readonly HashSet<string> _nodeNames = new();

    public string Name { get; }
    public IReadOnlyList<GraphTensor> Tensors => _tensors;
    public IReadOnlyList<GraphNode> Nodes => _nodes;

    public ComputeGraph(string name = "graph") => Name = name;

    public GraphTensor Input(string name, TensorType type) => NewTensor(name, type, TensorKind.Input, "inputs");
    public GraphTensor Output(string name, TensorType type) => NewTensor(name, type, TensorKind.Output, "outputs");
    public GraphTensor Persistent(string name, TensorType type, string category = "persistent") => NewTensor(name, type, TensorKind.Persistent, category);
    public GraphTensor Transient(string name, TensorType type) => NewTensor(name, type, TensorKind.Transient, "transient");

    /// <summary>Adds a node writing existing tensors (outputs, persistent state, or transients declared earlier).</summary>
    public GraphNode Add(string name, Kernel kernel, IReadOnlyList<GraphTensor> inputs, IReadOnlyList<GraphTensor> outputs)
    {
        foreach (var t in inputs.Concat(outputs))
            if (!ReferenceEquals(_tensors.ElementAtOrDefault(t.Id), t))
                throw new ArgumentException($"node '{name}': tensor '{t.Name}' belongs to another graph.");
        if (inputs.Count != kernel.InputCount || outputs.Count != kernel.OutputCount)
            throw new ArgumentException($"node '{name}': {kernel.Kind} takes {kernel.InputCount} inputs and {kernel.OutputCount} outputs, got {inputs.Count} and {outputs.Count}.");
        var node = new GraphNode(_nodes.Count, Unique(_nodeNames, name), kernel, inputs.ToArray(), outputs.ToArray());
        _nodes.Add(node);
        return node;
    }

    /// <summary>Adds a node writing a new transient tensor of <paramref name="type"/>, and returns that tensor.</summary>
    public GraphTensor Add(string name, Kernel kernel, IReadOnlyList<GraphTensor> inputs, TensorType type)
    {
        var output = Transient(name, type);
        Add(name, kernel, inputs, [output]);
        return output;
    }

    /// <summary>The same bytes under another shape (a reshape, e.g. [N, H*D] as [N, H, D]); element counts
    /// and dtype must match. Reads and writes of a view count as reads and writes of its base tensor.</summary>
    public GraphTensor View(GraphTensor of, TensorType type, string? name = null)
    {
        if (type.DType != of.Type.DType || type.Elements != of.Type.Elements)
            throw new ArgumentException($"view {type} of '{of.Name}' {of.Type} must keep dtype and element count.");
        return NewTensor(name ?? $"{of.Name}.view", type, of.Kind, of.Category, of);
    }

    /// <summary>A contiguous part of a tensor: <paramref name="type"/>'s elements starting at element
    /// <paramref name="elementOffset"/> of <paramref name="of"/> (e.g. q, k and v inside one fused projection's
    /// output row). The byte offset must suit every binding (a multiple of <see cref="BufferRange.PortableAlignment"/>). Dependencies are tracked on the whole base tensor; barriers on the exact bytes.</summary>
    public GraphTensor Slice(GraphTensor of, long elementOffset, TensorType type, string? name = null)
    {
        if (type.DType != of.Type.DType || elementOffset < 0 || elementOffset + type.Elements > of.Type.Elements)
            throw new ArgumentException($"slice {type} at element {elementOffset} of '{of.Name}' {of.Type} must keep dtype and stay inside.");
        ulong bytes = (ulong)elementOffset * (ulong)TensorType.SizeOf(type.DType);
        if (bytes % BufferRange.PortableAlignment != 0)
            throw new ArgumentException($"slice of '{of.Name}' at byte {bytes} is not a multiple of {BufferRange.PortableAlignment} bytes, so it cannot be bound on every device.");
        return NewTensor(name ?? $"{of.Name}.slice", type, of.Kind, of.Category, of, bytes);
    }

    GraphTensor NewTensor(string name, TensorType type, TensorKind kind, string category, GraphTensor? viewOf = null, ulong byteOffset = 0)
    {
        var t = new GraphTensor(_tensors.Count, Unique(_tensorNames, name), type, kind, category, viewOf, byteOffset);
        _tensors.Add(t);
        return t;
    }

    static string Unique(HashSet<string> names, string name)
    {
        var n = name;
        for (int i = 2; !names.Add(n); i++) n = $"{name}#{i}";
        return n;
    }
}
