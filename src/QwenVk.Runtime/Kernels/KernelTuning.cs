namespace QwenVk.Runtime.Kernels;

/// <summary>Environment overrides of the GPU matvec geometry, for tuning sweeps on a device nobody has measured yet
/// (`QWENVK_MATVEC_RPS=2 qwenvk kernels bench --filter decode/matvec`, see tools/gpu-check.sh). Read once; unset or
/// invalid values keep the defaults. CPU drivers ignore them, and a kernel built with explicit rows per subgroup (the
/// tests' forced variants) keeps its own. Also what the environment says about a CPU driver's threads, which the
/// CPU matvec geometry sizes its workgroup count by.</summary>
public static class KernelTuning
{
    /// <summary>QWENVK_MATVEC_RPS (1-16): rows one subgroup computes together on a GPU.</summary>
    public static uint? MatVecRowsPerSubgroup { get; } = Read("QWENVK_MATVEC_RPS", 1, 16);

    /// <summary>QWENVK_MATVEC_WG (32-1024): matvec workgroup size on a GPU.</summary>
    public static uint? MatVecWorkgroup { get; } = Read("QWENVK_MATVEC_WG", 32, 1024);

    /// <summary>QWENVK_MATVEC_SPLITK=1: on a GPU, products of at most 2048 rows spread K over all the subgroups of a
    /// workgroup (<see cref="MatVecKernel.SplitK"/>); off by default until timed on a GPU.</summary>
    public static bool MatVecSplitK { get; } = Read("QWENVK_MATVEC_SPLITK", 0, 1) == 1;

    /// <summary>QWENVK_ATTENTION_SPLITS (1-16): workgroups per query head in decode attention, on any device
    /// (<see cref="AttentionKernel.DecodeSplits"/>); 1 turns flash decoding off.</summary>
    public static uint? AttentionSplits { get; } = Read("QWENVK_ATTENTION_SPLITS", 1, 16);

    /// <summary>Threads a CPU driver spreads a dispatch's workgroups over: lavapipe runs one per host processor
    /// unless LP_NUM_THREADS says otherwise, and it runs in this process, so the host's count is the device's.</summary>
    public static int CpuDriverThreads { get; } = (int?)Read("LP_NUM_THREADS", 1, 1024) ?? Environment.ProcessorCount;

    static uint? Read(string name, uint min, uint max) =>
        uint.TryParse(Environment.GetEnvironmentVariable(name), out uint v) && v >= min && v <= max ? v : null;
}
