namespace QwenVk.Runtime.Graph;

public enum TensorKind
{
    /// <summary>Lives only inside one run of the graph; placed in the shared arena, possibly aliased with others.</summary>
    Transient,
    /// <summary>Written by the host before a run (token ids, step parameters); bound to a host-owned buffer.</summary>
    Input,
    /// <summary>Read by the host after a run (logits, sampled token); bound to a host-owned buffer. Culling keeps
    /// every node that contributes to an output.</summary>
    Output,
    /// <summary>Outlives runs and is shared between graphs (weights, KV cache); bound to a host-owned buffer.
    /// A node that writes one has a lasting effect and is never culled.</summary>
    Persistent,
}

/// <summary>A virtual tensor: a name, a type and a kind. Memory is assigned when the graph is compiled.</summary>
public sealed class GraphTensor
{
    public int Id { get; }
    public string Name { get; }
    public TensorType Type { get; }
    public TensorKind Kind { get; }
    /// <summary>Free-form group for memory reports ("weights", "kv-cache"); the runtime does not interpret it.</summary>
    public string Category { get; }

    /// <summary>The tensor whose bytes this one shares (itself unless this is a view from <see cref="ComputeGraph.View"/>).</summary>
    public GraphTensor Base { get; }
    public bool IsView => !ReferenceEquals(Base, this);
    /// <summary>Where this tensor's bytes start inside <see cref="Base"/> (non-zero only for slices).</summary>
    public ulong ByteOffset { get; }

    internal GraphTensor(int id, string name, TensorType type, TensorKind kind, string category, GraphTensor? viewOf = null, ulong byteOffset = 0)
    {
        Id = id; Name = name; Type = type; Kind = kind; Category = category;
        Base = viewOf?.Base ?? this;
        ByteOffset = (viewOf?.ByteOffset ?? 0) + byteOffset;
    }

    public bool IsExternal => Kind != TensorKind.Transient;
    public override string ToString() => $"{Name}:{Type}";
}
