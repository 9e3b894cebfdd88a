using QwenVk.Runtime.Vulkan;

namespace QwenVk.Runtime.Kernels;

/// <summary>
/// Decode matmul (few activation rows): y[n, columnOffset + m] = sum_k x[n, k] * W[m, k] (+ bias[m]); other columns
/// of y are untouched, so a weight split by rows (larger than maxStorageBufferRange) is one dispatch per chunk.
/// Bindings: x f32 [N, K], W f16 [M, K], then bias f16 [M] (<paramref name="hasBias"/>) or a residual f32 [N, M]
/// added to the product (<paramref name="residual"/>), then y f32 [N, Mtotal]. With <paramref name="swiGlu"/>, W is the
/// MLP's gate and up weights stacked ([2M, K], in alternating blocks of <see cref="SiluMulKernel.StackedBlockRows"/>
/// rows) and y [N, M] = silu(x gate^T) * (x up^T).
/// </summary>
public sealed class MatVecKernel : Kernel, IAbsorbsRowBroadcast, IAbsorbsResidual, IAbsorbsSwiGlu, IAbsorbsInputNorm
{
    /// <summary>A matmul followed by a bias add is a matmul with a bias.</summary>
    public Kernel? Absorb(BroadcastOp op) =>
        op == BroadcastOp.Add && PlainEpilogue ? With(hasBias: true) : null;

    /// <summary>A matmul whose output is then added to a residual stream is a matmul with a residual.</summary>
    public Kernel? AbsorbResidual() => PlainEpilogue ? With(residual: true) : null;

    /// <summary>A stacked gate/up product followed by the SwiGLU activation of its output is one product.</summary>
    public Kernel? AbsorbSwiGlu() => PlainEpilogue && RowsPerSubgroup % 2 == 0 ? With(swiGlu: true) : null;

    /// <summary>An RMSNorm (without weight) whose output only this product reads is taken in: x is normalized on
    /// the way in.</summary>
    public Kernel? AbsorbInputNorm(float eps) => NormEps is null ? With(normEps: eps) : null;

    /// <summary>No bias, residual or activation yet, and every column of y: one of them may still be taken in.</summary>
    bool PlainEpilogue => !HasBias && !HasResidual && !SwiGlu && ColumnOffset == 0;

    MatVecKernel With(bool? hasBias = null, bool? residual = null, bool? swiGlu = null, float? normEps = null) =>
        new(hasBias ?? HasBias, ColumnOffset, RowsPerSubgroup, TexelLoads, residual ?? HasResidual, LaneRows, swiGlu ?? SwiGlu, normEps ?? NormEps, SplitK);

    public bool HasBias { get; }
    public bool SwiGlu { get; }
    /// <summary>Not null: x rows are RMS-normalized (with this epsilon, no weight) before the product.</summary>
    public float? NormEps { get; }
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
    /// <summary>Lanes along K only: every subgroup of a workgroup works on the same rows, each on a share of K (true),
    /// or each subgroup on rows of its own (false), or as the device prefers (null: GPUs with QWENVK_MATVEC_SPLITK=1
    /// for products of at most 2048 rows, not yet timed on a GPU; otherwise off).</summary>
    public bool? SplitK { get; }

    /// <param name="rowsPerSubgroup">0 (the default) chooses per device; tests set it to cover every variant.</param>
    /// <param name="texelLoads">null (the default) chooses per device; tests set it to cover both load paths.</param>
    /// <param name="residual">y = x W^T + r with r a third input shaped like y (no bias, column offset 0).</param>
    /// <param name="laneRows">null (the default) chooses per device; tests set it to cover both layouts.</param>
    /// <param name="swiGlu">W = gate and up in blocks (<see cref="SiluMulKernel.StackedBlockRows"/>), y = silu(x gate^T) *
    /// (x up^T) (no bias or residual, column offset 0).
    /// Rows per subgroup then count rows of W, gate and up rows alike, and must be even.</param>
    /// <param name="normEps">Not null: y = W (x / sqrt(mean(x^2) + eps)), an RMSNorm without weight taken in (a model
    /// folds the norm's weight into W's columns).</param>
    /// <param name="splitK">null (the default) chooses per device; tests set it to cover both.</param>
    public MatVecKernel(bool hasBias, int columnOffset = 0, int rowsPerSubgroup = 0, bool? texelLoads = null, bool residual = false, bool? laneRows = null,
        bool swiGlu = false, float? normEps = null, bool? splitK = null)
    {
        SplitK = splitK;
        if (normEps is { } e && !(e >= 0 && float.IsFinite(e)))
            throw new ArgumentOutOfRangeException(nameof(normEps), normEps, "the RMSNorm epsilon must be finite and non-negative.");
        NormEps = normEps;
        LaneRows = laneRows;
        if (swiGlu && (hasBias || residual || columnOffset != 0 || rowsPerSubgroup % 2 != 0))
            throw new ArgumentException("a matvec with SwiGLU has no bias or residual, writes every column of y (column offset 0) and an even number of rows per subgroup.");
        SwiGlu = swiGlu;
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
    /// GPUs: one row per subgroup (two for rows of K &lt;= 1024), lanes along K (coalesced loads), 128-wide workgroups
    /// (NVIDIA H200: 64/128/256 within noise, docs/BENCHMARKS.md).
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
        bool laneRows = (LaneRows ?? (cpu && (tokens > 1 || k <= CpuLaneRowsMaxK))) && k % 8 == 0 && caps.MinSubgroupSize == caps.MaxSubgroupSize;
        if (laneRows)
        {
            // One subgroup per workgroup. Decode: the most rows per lane (each load of x then serves more rows) that
            // still gives every driver thread four workgroups; prefill: 4 (8 tokens x 4 rows of accumulators).
            // lavapipe, 2 threads, 24 distinct 896-wide matrices in a row: 1152 rows 455-544 us with 4 rows per
            // lane, 415-430 with 8, 355-444 with 16; 896 rows 414 / 353 / 332 (the first rule kept 4 below 2048 rows).
            uint lanes = Math.Max(1, caps.SubgroupSize);
            uint perLane = RowsPerSubgroup > 0 ? (uint)RowsPerSubgroup : tokens > 1 ? PrefillRowsPerLane : DecodeRowsPerLane(m, lanes);
            return (lanes, perLane, true);
        }
        // GPUs: two rows per subgroup for short rows (a 896-wide row is 3.5 uvec4 loads per lane of 32, too few to hide
        // latency). NVIDIA H200, whole model, tg128: Qwen2.5-0.5B 601 -> 632 tok/s with 2 rows for every product; 7B
        // (K 3584 and 18944) 174 -> 169, so longer rows keep one.
        uint rps = RowsPerSubgroup > 0 ? (uint)RowsPerSubgroup
            : cpu ? (tokens > 1 || m >= CpuManyRows ? 16u : 8u)
            : KernelTuning.MatVecRowsPerSubgroup ?? (k <= GpuShortRowK ? 2u : 1u);
        return (cpu ? CpuWorkgroup : KernelTuning.MatVecWorkgroup ?? GpuWorkgroup, rps, false);
    }

    /// <summary>CPU drivers, decode: rows up to this long use lane rows (K 896 gained, K 4864 lost; see above).</summary>
    const int CpuLaneRowsMaxK = 2048;
    /// <summary>CPU drivers, lanes along K: products of at least this many rows take 16 rows per subgroup, others 8
    /// (4864 x 896: 12.0 ms with 8, 11.1 with 16; small products need the workgroups more).</summary>
    const int CpuManyRows = 4096;
    /// <summary>CPU drivers, lanes along K: eight of lavapipe's 8-lane subgroups per workgroup; not swept.</summary>
    const uint CpuWorkgroup = 64;
    /// <summary>GPUs: 64/128/256 measured within noise on the H200 (docs/BENCHMARKS.md).</summary>
    const uint GpuWorkgroup = 128;
    /// <summary>GPUs: rows up to this long take two rows per subgroup (0.5B's 896-wide rows gained, 7B's lost).</summary>
    const int GpuShortRowK = 1024;
    /// <summary>Lane rows with several tokens (prefill on CPU drivers): 8 tokens x 4 rows of accumulators per lane.</summary>
    const uint PrefillRowsPerLane = 4;
    /// <summary>Lane rows in decode keep at least this many workgroups per driver thread (see DecodeRowsPerLane).</summary>
    const int WorkgroupsPerCpuThread = 4;
    /// <summary>Split K (opt-in on GPUs) applies to products of at most this many rows, where one subgroup per row
    /// set leaves a large GPU idle (0.5B's 896-row products); untimed on a GPU.</summary>
    public const int SplitKMaxRows = 2048;

    /// <summary>Whether this device takes split K for small products when a kernel leaves it open: GPUs with
    /// QWENVK_MATVEC_SPLITK=1 (CPU drivers use lane rows, where it does not apply).</summary>
    public static bool SplitKSwitchedOn(DeviceCapabilities caps) => caps.Kind != DeviceKind.Cpu && KernelTuning.MatVecSplitK;

    static uint DecodeRowsPerLane(int m, uint lanes)
    {
        foreach (uint rows in (uint[])[16, 8])
            if (m / (lanes * rows) >= WorkgroupsPerCpuThread * (uint)KernelTuning.CpuDriverThreads) return rows;
        return 4;
    }

    public override string Kind => "matvec";
    public override int InputCount => HasBias || HasResidual ? 3 : 2;

    public override void Validate(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs) => Shape(inputs, outputs);

    /// <summary>The shape with M = output columns (for SwiGLU half the rows of W).</summary>
    LinearShape Shape(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        if (SwiGlu)
        {
            Expect(inputs.Count == 2, $"{Kind}+swiglu takes 2 inputs (x, W = gate and up stacked), got {inputs.Count}");
            var w = inputs[1];
            int block = SiluMulKernel.StackedBlockRows;
            Expect(WeightFormat.IsWeight(w.DType) && w.Rank == 2 && w[0] % (2 * block) == 0,
                $"{Kind}+swiglu: W must be [2M, K] with M a multiple of {block} (gate and up rows in alternating blocks of {block}), got {w}");
            var g = LinearShape.Check(Kind, false, 0, [inputs[0], TensorType.Of(w.DType, w[0] / 2, w[1])], outputs);
            Expect(g.M == g.RowStride, $"{Kind}+swiglu: y {outputs[0]} must have {g.M} columns, half of W's {w[0]} rows");
            return g;
        }
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
    /// matmul kernel uses 8 on CPU drivers, where this beats its tiled shader.</summary>
    internal KernelDispatch Plan(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs, DeviceCapabilities caps, uint tokens)
    {
        var s = Shape(inputs, outputs);
        uint pair = SwiGlu ? 2u : 1u;
        var (target, rps, laneRows) = Geometry(caps, s.M * (int)pair, s.K, tokens);
        bool splitK = !laneRows && (SplitK ?? (SplitKSwitchedOn(caps) && s.M * pair <= SplitKMaxRows));
        rps = (rps + pair - 1) / pair * pair;
        uint subgroup = Math.Max(1, caps.SubgroupSize);
        uint wide = s.K % 8 == 0 ? 1u : 0u;
        bool texel = wide == 1 && (TexelLoads ?? caps.TexelLoads);
        uint wg = Math.Min(Math.Max(target, subgroup), caps.MaxComputeWorkGroupInvocations);
        wg = Math.Max(subgroup, wg / subgroup * subgroup);
        uint rows = splitK ? rps / pair : wg / subgroup * (rps / pair) * (laneRows ? subgroup : 1);
        uint groupsX = Math.Min(DivUp(s.M, rows), caps.MaxComputeWorkGroupCount[0]);
        uint groupsY = Math.Min(DivUp(s.N, tokens), caps.MaxComputeWorkGroupCount[1]);
        string shader = (HasBias ? "matvec_bias" : HasResidual ? "matvec_residual" : SwiGlu ? "matvec_swiglu" : "matvec") + (texel ? "_texel" : "");
        var spec = new Specialization(wg, rows, wide, rps, tokens, laneRows ? 1u : 0u, NormEps is null ? 0u : 1u, (uint)SiluMulKernel.StackedBlockRows,
            splitK ? 1u : 0u, WeightFormat.Code(inputs[1].DType));
        return new KernelDispatch(shader, ShaderLayout.Specialization(spec),
            s.Push(ColumnOffset, NormEps ?? 0f), groupsX, Math.Max(groupsY, 1))
        {
            TexelBindings = texel ? 0b11u : 0u,
        };
    }

    [GlslSpecialization("matvec_impl.glsl")]
    public readonly record struct Specialization(uint Wg, uint Rows, uint Wide, uint Rps, uint Tok, uint LaneRows, uint NormX, uint GluBlock,
        uint SplitK, uint Wfmt);

    /// <summary>rowStride: columns of y; col: the first column this weight (chunk) writes; eps: the taken-in RMSNorm's.</summary>
    [GlslPushConstants("matvec_impl.glsl")]
    public readonly record struct PushBlock(uint N, uint M, uint K, uint RowStride, uint Col, float Eps);

    public override KernelCost Cost(IReadOnlyList<TensorType> inputs, IReadOnlyList<TensorType> outputs)
    {
        var cost = Shape(inputs, outputs).Cost(inputs);
        // SwiGLU: two products per output column (~10 more FLOPs for the activation, not counted).
        return SwiGlu ? cost with { Flops = 2 * cost.Flops } : cost;
    }

    public override string Describe() =>
        LinearShape.Describe(Kind, HasBias, ColumnOffset) + (HasResidual ? "+residual" : "") + (SwiGlu ? "+swiglu" : "") + (NormEps is { } eps ? $"+rmsnorm(eps={eps})" : "") + (RowsPerSubgroup > 0 ? $" rps={RowsPerSubgroup}" : "")
        + (TexelLoads is { } t ? (t ? " texel" : " storage") : "")
        + (LaneRows is { } l ? (l ? " lane-rows" : " lanes-along-k") : "")
        + (SplitK is { } k ? (k ? " split-k" : " unsplit-k") : "");
}
