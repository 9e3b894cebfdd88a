using QwenVk.Runtime.Kernels;

namespace QwenVk.Runtime.Graph;

/// <summary>One kernel dispatch in a graph: the kernel (with its parameters), what it reads and what it writes.</summary>
public sealed class GraphNode
{
    public int Id { get; }
    public string Name { get; }
    public Kernel Kernel { get; internal set; }
    public IReadOnlyList<GraphTensor> Inputs { get; internal set; }
    public IReadOnlyList<GraphTensor> Outputs { get; internal set; }

    internal GraphNode(int id, string name, Kernel kernel, IReadOnlyList<GraphTensor> inputs, IReadOnlyList<GraphTensor> outputs)
    {
        Id = id; Name = name; Kernel = kernel; Inputs = inputs; Outputs = outputs;
    }

    public override string ToString() => $"{Name} ({Kernel.Describe()})";
}
