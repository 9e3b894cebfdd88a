using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>
/// Decode matmul (few activation rows): y[n, columnOffset + m] = sum_k x[n, k] * W[m, k] (+ bias[m]); other columns
/// of y are untouched, so a weight split by rows (larger than maxStorageBufferRange) is one dispatch per chunk.
/// Bindings: x f32 [N, K], W f16 [M, K], then bias f16 [M] (<paramref name="hasBias"/>) or a residual f32 [N, M]
/// added to the product (<paramref name="residual"/>), then y f32 [N, Mtotal].
/// </summary>
public sealed class MatVecKernel : Kernel, IAbsorbsRowBroadcast, IAbsorbsResidual
{
    /// <summary>A matmul followed by a bias add is a matmul with a bias.</summary>
    public Kernel? Absorb(BroadcastOp op) =>
        op == BroadcastOp.Add && !HasBias && !HasResidual && ColumnOffset == 0 ? new MatVecKernel(true, 0, RowsPerSubgroup, TexelLoads, laneRows: LaneRows) : null;

    /// <summary>A matmul whose output is then added to a residual stream is a matmul with a residual.</summary>
    public Kernel? AbsorbResidual() =>
        !HasBias && !HasResidual && ColumnOffset == 0 ? new MatVecKernel(false, 0, RowsPerSubgroup, TexelLoads, residual: true, laneRows: LaneRows) : null;

    public bool HasBias { get; }
    public bool HasResidual { get; }
    public int ColumnOffset { get; }
    /// <summary>Output rows one subgroup computes together; 0 lets <see cref="Plan"/> choose for the device.</summary>
    public int RowsPerSubgroup { get; }
    /// <summary>Read x and W through texel buffers (true), storage buffers (false), or as the device prefers (null,
    /// <see cref="DeviceCapabilities.TexelLoads"/>). Texel loads need K % 8 == 0; other K always use storage loads.</summary>
    public bool? TexelLoads { get; }
    /// <summary>Each lane owns rows and walks all of K (true), lanes split K (false), or as the device prefers (null,
    /// see <see cref="Geometry"/>). Lane rows need K % 8 == 0 and a fixed subgroup size; otherwise lanes split K.</summary>
    public bool? LaneRows { get; }

    /// <param name="rowsPerSubgroup">0 (the default) chooses per device; tests set it to cover every variant.</param>
    /// <param name="texelLoads">null (the default) chooses per device; tests set it to cover both load paths.</param>
    /// <param name="residual">y = x W^T + r with r a third input shaped like y (no bias, column offset 0).</param>
    /// <param name="laneRows">null (the default) chooses per device; tests set it to cover both layouts.</param>
    public MatVecKernel(bool hasBias, int columnOffset = 0, int rowsPerSubgroup = 0, bool? texelLoads = null, bool residual = false, bool? laneRows = null)
    {
        LaneRows = laneRows;
        if (residual && (hasBias || columnOffset != 0))
            throw new ArgumentException("a matvec with a residual has no bias and writes every column of y (column offset 0).");
        HasResidual = residual;
        ArgumentOutOfRangeException.ThrowIfNegative(columnOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(rowsPerSubgroup);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rowsPerSubgroup, 16);
        HasBias = hasBias;
        ColumnOffset = columnOffset;
        RowsPerSubgroup = rowsPerSubgroup;
        TexelLoads = texelLoads;
    }

    /// <summary>Workgroup width, rows per subgroup (per lane with lane rows) and whether lanes own rows.
    /// GPUs: one row per subgroup, lanes along K (coalesced loads), 128-wide workgroups (not measured on a GPU yet).
    /// CPU drivers (lavapipe) pay per load and per cross-lane reduction, both loops over the SIMD lanes. So each load
    /// of x serves several rows (4864 x 896: 26.9 ms with 1 row per subgroup, 13.2 with 4, 12.0 with 8, 11.1 with 16),
    /// and where rows are short (K &lt;= 2048) or several tokens share each weight load (prefill), each lane owns rows and
    /// walks all of K, so there is no reduction at all: decode gate/up (K 896) 5.3-6.0 -> 6.9-8.1 GB/s, lm_head
    /// 5.2-5.4 -> 7.3-9.0, prefill matmul 7-13 -> 16-25 GFLOP/s (lavapipe, interleaved runs). Long rows (the MLP's
    /// down projection, K 4864) stay with lanes along K: there lane rows measured 6.5-7.2 against 8.2-9.0 GB/s.</summary>
    (uint Workgroup, uint RowsPerSubgroup, bool LaneRows) Geometry(DeviceCapabilities caps, int m, int k, uint tokens)
    {
        bool cpu = caps.Kind == DeviceKind.Cpu;
        // Lane rows assume the subgroup size the host sees; only where the driver cannot pick another.
        bool laneRows = (LaneRows ?? (cpu && (tokens > 1 || k <= 2048))) && k % 8 == 0 && caps.MinSubgroupSize == caps.MaxSubgroupSize;
        if (laneRows)
        {
            // One subgroup per workgroup; 16 rows per lane for tall matrices, 4 where that would leave too few
            // workgroups for the driver's threads (q/k/v, o) and for prefill (8 tokens x 4 rows of accumulators).
            uint lanes = Math.Max(1, caps.SubgroupSize);
            uint perLane = RowsPerSubgroup > 0 ? (uint)RowsPerSubgroup : tokens == 1 && m >= 16 * 16 * lanes ? 16u : 4u;
            return (lanes, perLane, true);
        }
        uint rps = RowsPerSubgroup > 0 ? (uint)RowsPerSubgroup : cpu ? (tokens > 1 || m >= 4096 ? 16u : 8u) : 1u;
        return (cpu ? 64u : 128u, rps, false);
    }

    public override string Kind => "matvec";
    public override int InputCount => HasBias || HasResidual ? 3 : 2;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs) => Shape(inputs, outputs);

    LinearShape Shape(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        if (!HasResidual) return LinearShape.Check(Kind, HasBias, ColumnOffset, inputs, outputs);
        Expect(inputs.Count == 3, $"{Kind}+residual takes 3 inputs (x, W, residual), got {inputs.Count}");
        var s = LinearShape.Check(Kind, false, 0, inputs.Take(2).ToArray(), outputs);
        Expect(s.M == s.RowStride, $"{Kind}+residual: W's {s.M} rows must cover every column of y {outputs[0]}");
        Expect(inputs[2].DType == DType.F32 && inputs[2].Elements == outputs[0].Elements,
            $"{Kind}+residual: the residual must be f32 shaped like y {outputs[0]}, got {inputs[2]}");
        return s;
    }

    public override KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps) =>
        Plan(inputs, outputs, caps, tokens: 1);

    /// <summary>The plan with <paramref name="tokens"/> activation rows per subgroup sharing each weight load; the
    /// matmul kernel uses 4 on CPU drivers, where this beats its tiled shader.</summary>
    internal KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps, uint tokens)
    {
        var s = Shape(inputs, outputs);
        var (target, rps, laneRows) = Geometry(caps, s.M, s.K, tokens);
        uint subgroup = Math.Max(1, caps.SubgroupSize);
        uint wide = s.K % 8 == 0 ? 1u : 0u;
        bool texel = wide == 1 && (TexelLoads ?? caps.TexelLoads);
        uint wg = Math.Min(Math.Max(target, subgroup), caps.MaxComputeWorkGroupInvocations);
        wg = Math.Max(subgroup, wg / subgroup * subgroup);
        uint rows = wg / subgroup * rps * (laneRows ? subgroup : 1);
        uint groupsX = Math.Min(DivUp(s.M, rows), caps.MaxComputeWorkGroupCount[0]);
        uint groupsY = Math.Min(DivUp(s.N, tokens), caps.MaxComputeWorkGroupCount[1]);
        string shader = (HasBias ? "matvec_bias" : HasResidual ? "matvec_residual" : "matvec") + (texel ? "_texel" : "");
        return new KernelDispatch(shader, [wg, rows, wide, rps, tokens, laneRows ? 1u : 0u], s.Push(ColumnOffset), groupsX, Math.Max(groupsY, 1))
        {
            TexelBindings = texel ? 0b11u : 0u,
        };
    }

    public override KernelCost Cost(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs) =>
        Shape(inputs, outputs).Cost(inputs);

    public override string Describe() =>
        LinearShape.Describe(Kind, HasBias, ColumnOffset) + (HasResidual ? "+residual" : "") + (RowsPerSubgroup > 0 ? $" rps={RowsPerSubgroup}" : "")
        + (TexelLoads is { } t ? (t ? " texel" : " storage") : "")
        + (LaneRows is { } l ? (l ? " lane-rows" : " lanes-along-k") : "");
}
