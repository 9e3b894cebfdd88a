using QwenVk.Model.Checkpoints;
using QwenVk.Runtime;

namespace QwenVk.Model.Inference;

/// <summary>How weights are stored on the GPU. F16 (the default, the reference) converts every weight to fp16.
/// Q8_0 and Q4_0 quantize at load with llama.cpp's reference quantizers, from the checkpoint's own values (widened to
/// float32): Q8_0 every 2-D weight; Q4_0 the decoder layers' projections, with embeddings and lm_head in Q8_0 (as
/// llama.cpp's q4_0 files with `--token-embedding-type q8_0 --output-tensor-type q8_0`). Norm and bias vectors stay fp16.</summary>
public enum WeightQuant { F16, Q8_0, Q4_0 }

public static class WeightQuantNames
{
    public static string Name(this WeightQuant q) => q.ToString().ToLowerInvariant();

    public static bool TryParse(string text, out WeightQuant quant)
    {
        foreach (var q in Enum.GetValues<WeightQuant>())
            if (string.Equals(text, q.Name(), StringComparison.OrdinalIgnoreCase)) { quant = q; return true; }
        quant = default;
        return false;
    }

    /// <summary>The GPU type of weight <paramref name="name"/> [rows, K]: vectors stay fp16; 2-D weights follow the
    /// scheme above.</summary>
    internal static DType TypeOf(this WeightQuant q, string name, int rank)
    {
        if (q == WeightQuant.F16 || rank != 2) return DType.F16;
        if (q == WeightQuant.Q8_0 || name is QwenWeights.Embeddings or QwenWeights.LmHead) return DType.Q8_0;
        return DType.Q4_0;
    }
}
