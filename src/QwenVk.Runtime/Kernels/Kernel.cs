using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>How to run one shader: which pipeline (shader + specialization constants), the push constants, and how
/// many workgroups. Bindings are always the kernel's inputs followed by its outputs, in declaration order.</summary>
public sealed record KernelDispatch(string Shader, uint[] Specialization, byte[] PushConstants, uint GroupsX, uint GroupsY = 1, uint GroupsZ = 1)
{
    /// <summary>Bit i set: binding i is read as a uniform texel buffer of 16-byte texels (R32G32B32A32_UINT) rather
    /// than a storage buffer. See <see cref="DeviceCapabilities.TexelLoads"/>.</summary>
    public uint TexelBindings { get; init; }
}

/// <summary>What a kernel moves and computes, for GB/s and GFLOP/s figures.</summary>
public readonly record struct KernelCost(double Bytes, double Flops);

/// <summary>A shape or dtype a kernel cannot take. The graph adds the node's name.</summary>
public sealed class KernelShapeException(string message) : Exception(message);

/// <summary>
/// One GLSL kernel: its inputs and outputs (types checked by <see cref="Validate"/>), the constants it is built with
/// and how it is dispatched (<see cref="Plan"/>). A kernel object holds its parameters (epsilon, offsets...) and no
/// Vulkan state: the same object can be planned for many shapes and devices.
/// </summary>
public abstract class Kernel
{
    /// <summary>Short kind name used in graph dumps and profiles ("matvec", "rmsnorm").</summary>
    public abstract string Kind { get; }
    public abstract int InputCount { get; }
    public virtual int OutputCount => 1;

    /// <summary>Throws <see cref="KernelShapeException"/> when the types do not fit this kernel.</summary>
    public abstract void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs);

    public abstract KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps);

    /// <summary>Bytes read and written, FLOPs done. Default: every tensor touched once, no FLOPs counted.</summary>
    public virtual KernelCost Cost(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs) =>
        new(inputs.Concat(outputs).Sum(t => (double)t.Bytes), 0);

    /// <summary>Kind plus parameters, for dumps and error messages.</summary>
    public virtual string Describe() => Kind;

    public override string ToString() => Describe();

    protected static void Expect(bool condition, string message)
    {
        if (!condition) throw new KernelShapeException(message);
    }

    protected static void ExpectCounts(Kernel k, IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        Expect(inputs.Count == k.InputCount, $"{k.Kind} takes {k.InputCount} inputs, got {inputs.Count}");
        Expect(outputs.Count == k.OutputCount, $"{k.Kind} writes {k.OutputCount} outputs, got {outputs.Count}");
    }

    protected static uint DivUp(long a, long b) => (uint)((a + b - 1) / b);
}
