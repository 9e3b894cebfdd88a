using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>
/// Prefill matmul (many activation rows), tiled through shared memory: the same semantics and bindings as
/// <see cref="MatVecKernel"/>: y[n, columnOffset + m] = sum_k x[n, k] * W[m, k] (+ bias[m]), other columns untouched.
/// </summary>
public sealed class MatMulKernel : Kernel, IAbsorbsRowBroadcast
{
    /// <summary>A matmul followed by a bias add is a matmul with a bias.</summary>
    public Kernel? Absorb(BroadcastOp op) =>
        op == BroadcastOp.Add && !HasBias && ColumnOffset == 0 ? new MatMulKernel(true, 0, Tiles) : null;

    public bool HasBias { get; }
    public int ColumnOffset { get; }
    /// <summary>Tile geometry; null lets <see cref="Plan"/> choose for the device.</summary>
    public MatMulTiles? Tiles { get; }

    /// <param name="tiles">null (the default) chooses per device; tests set it to cover every variant.</param>
    public MatMulKernel(bool hasBias, int columnOffset = 0, MatMulTiles? tiles = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(columnOffset);
        HasBias = hasBias;
        ColumnOffset = columnOffset;
        Tiles = tiles;
    }

    public override string Kind => "matmul";
    public override int InputCount => HasBias ? 3 : 2;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs) =>
        LinearShape.Check(Kind, HasBias, ColumnOffset, inputs, outputs);

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps)
    {
        var s = LinearShape.Check(Kind, HasBias, ColumnOffset, inputs, outputs);
        // On CPU drivers shared-memory tiles do not pay (every load is a loop over the SIMD lanes): the matvec
        // shader with 8 tokens per subgroup, each load of W serving 8 tokens, measured 2.95 GFLOP/s on lavapipe
        // (128x896x896, 16 rows per subgroup) against 0.55-0.86 for the tiled shader (4x4: 1.40, 8x8: 2.42,
        // 16x16: 3.01); with texel loads and lanes owning 4 rows each it reaches 16-25 (MatVecKernel.Geometry).
        if (Tiles is null && caps.Kind == DeviceKind.Cpu)
            return new MatVecKernel(HasBias, ColumnOffset).Plan(inputs, outputs, caps, tokens: 8);
        var t = Tiles ?? MatMulTiles.For(caps);
        t.CheckFits(caps);
        uint groupsX = DivUp(s.M, t.BN);
        uint groupsY = DivUp(s.N, t.BM);
        if (groupsX > caps.MaxComputeWorkGroupCount[0] || groupsY > caps.MaxComputeWorkGroupCount[1])
            throw new KernelShapeException($"{Kind}: {s.N} x {s.M} outputs need {groupsX} x {groupsY} workgroups; this device allows {caps.MaxComputeWorkGroupCount[0]} x {caps.MaxComputeWorkGroupCount[1]}. Split the weight or the activations by rows.");
        uint format = WeightFormat.Code(inputs[1].DType);
        if (format != 0 && t.BK % 8 != 0)
            throw new KernelShapeException($"{Kind}: tiles {t} stage quantized weights 8 values at a time; BK must be a multiple of 8");
        return new KernelDispatch(HasBias ? "matmul_bias" : "matmul",
            ShaderLayout.Specialization(new Specialization(t.Workgroup, t.BM, t.BN, t.BK, t.TM, t.TN, format)),
            s.Push(ColumnOffset), groupsX, groupsY);
    }

    [GlslSpecialization("matmul_impl.glsl")]
    public readonly record struct Specialization(uint Wg, uint BM, uint BN, uint BK, uint TM, uint TN, uint Wfmt);

    [GlslPushConstants("matmul_impl.glsl")]
    public readonly record struct PushBlock(uint N, uint M, uint K, uint RowStride, uint Col);

    public override KernelCost Cost(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs) =>
        LinearShape.Check(Kind, HasBias, ColumnOffset, inputs, outputs).Cost(inputs);

    public override string Describe() =>
        LinearShape.Describe(Kind, HasBias, ColumnOffset) + (Tiles is { } t ? $" {t}" : "");
}

/// <summary>Tile geometry of the matmul shader (see shaders/matmul_impl.glsl): a workgroup computes BM activation rows
/// x BN output features, staging BK-deep slices in shared memory; each invocation owns TM x TN outputs.</summary>
public readonly record struct MatMulTiles(uint BM, uint BN, uint BK, uint TM, uint TN)
{
    /// <summary>GPUs: 256 invocations of 4 x 4 outputs, 8.3 KiB of shared memory, enough workgroups to fill a big GPU
    /// at prefill sizes (64 x 64 tiles). Standard choices, not measured on a GPU yet.</summary>
    public static readonly MatMulTiles Gpu = new(64, 64, 16, 4, 4);
    /// <summary>CPU drivers: every shared-memory load is a loop over the SIMD lanes, so 8 x 8 outputs per invocation
    /// (half the loads per FMA) and a shallow BK won: 128x896x896 took 420 ms of CPU against 629 ms for <see cref="Gpu"/>.</summary>
    public static readonly MatMulTiles Cpu = new(64, 64, 8, 8, 8);
    /// <summary>Devices that allow fewer than 256 invocations per workgroup (Vulkan guarantees 128).</summary>
    public static readonly MatMulTiles Small = new(32, 32, 16, 4, 4);

    public uint Workgroup => BM / TM * (BN / TN);
    /// <summary>Two k-major tiles with one float of padding per k (see the shader).</summary>
    public uint SharedBytes => BK * (BM + 1 + BN + 1) * 4;

    public static MatMulTiles For(DeviceCapabilities caps)
    {
        var t = caps.Kind == DeviceKind.Cpu ? Cpu : Gpu;
        return t.Workgroup <= caps.MaxComputeWorkGroupInvocations && t.SharedBytes <= caps.MaxComputeSharedMemorySize ? t : Small;
    }

    public void CheckFits(DeviceCapabilities caps)
    {
        if (TM == 0 || TN == 0 || BK == 0 || BM % TM != 0 || BN % TN != 0)
            throw new KernelShapeException($"matmul tiles {this}: BM and BN must be multiples of TM and TN");
        if (Workgroup > caps.MaxComputeWorkGroupInvocations || SharedBytes > caps.MaxComputeSharedMemorySize)
            throw new KernelShapeException($"matmul tiles {this} need {Workgroup} invocations and {SharedBytes} bytes of shared memory; this device allows {caps.MaxComputeWorkGroupInvocations} and {caps.MaxComputeSharedMemorySize}");
    }

    public override string ToString() => $"{BM}x{BN}x{BK}/{TM}x{TN}";
}
