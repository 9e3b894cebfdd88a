using QwenVk.Runtime;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Model.Inference;

/// <summary>The FP16 key/value cache: per layer one K and one V buffer of [kv_heads, context, head_dim], so each
/// head's keys are contiguous for the attention kernel.</summary>
public sealed class KvCache : IDisposable
{
    readonly (GpuBuffer K, GpuBuffer V)[] _layers;

    public int Context { get; }
    public TensorType LayerType { get; }
    public long Bytes => (long)LayerType.Bytes * 2 * _layers.Length;

    public KvCache(VulkanContext ctx, int layers, int kvHeads, int context, int headDim)
    {
        Context = context;
        LayerType = TensorType.Of(DType.F16, kvHeads, context, headDim);
        if (LayerType.Bytes > ctx.Capabilities.MaxStorageBufferRange)
            throw new ArgumentException($"a context of {context} tokens needs {LayerType.Bytes >> 20} MiB per layer for K (and as much for V), over this device's maxStorageBufferRange ({ctx.Capabilities.MaxStorageBufferRange >> 20} MiB); use a shorter context length.");
        _layers = new (GpuBuffer, GpuBuffer)[layers];
        try
        {
            for (int l = 0; l < layers; l++)
                _layers[l] = (ctx.CreateBuffer(LayerType.Bytes, $"k_cache[{l}]"), ctx.CreateBuffer(LayerType.Bytes, $"v_cache[{l}]"));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public (GpuBuffer K, GpuBuffer V) Layer(int l) => _layers[l];

    public void Dispose()
    {
        foreach (var (k, v) in _layers)
        {
            k?.Dispose();
            v?.Dispose();
        }
    }
}
