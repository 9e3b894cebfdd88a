using QwenVk.Runtime;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Model.Inference;

/// <summary>Everything the graphs of one model share: weights, KV cache, RoPE table, and the small host-written
/// (ids, step, targets) and host-read (logits, argmax, token log-probabilities) buffers. Graphs of any length bind sub-ranges of these.</summary>
public sealed class ModelState : IDisposable
{
    public required GpuWeights Weights { get; init; }
    public required KvCache Cache { get; init; }
    public required GpuBuffer RopeTable { get; init; }
    public required TensorType RopeTableType { get; init; }
    public required GpuBuffer Ids { get; init; }
    public required GpuBuffer Step { get; init; }
    public required GpuBuffer Logits { get; init; }
    public required GpuBuffer Argmax { get; init; }
    /// <summary>The next token at each position whose log-probability a <see cref="GraphOutputs.TokenLogprobs"/> graph
    /// computes (u32 per token), and those log-probabilities (f32 per token).</summary>
    public required GpuBuffer Targets { get; init; }
    public required GpuBuffer TokenLogprobs { get; init; }
    /// <summary>Most tokens one graph takes (the ids buffer's size).</summary>
    public required int MaxTokens { get; init; }
    /// <summary>Most logit rows one graph writes (the logits buffer's size).</summary>
    public required int MaxLogitRows { get; init; }
    /// <summary>Workgroups per query head in decode attention; more than 1 adds a merge node per layer.</summary>
    public int AttentionSplits { get; init; } = 1;

    public void Dispose()
    {
        Weights.Dispose();
        Cache.Dispose();
        RopeTable.Dispose();
        Ids.Dispose();
        Step.Dispose();
        Logits.Dispose();
        Argmax.Dispose();
        Targets.Dispose();
        TokenLogprobs.Dispose();
    }
}
