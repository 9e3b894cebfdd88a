using System.Text.Json;

namespace QwenVk.Model.Checkpoints;

public enum PackedMethod { Gptq, Awq }

/// <summary>
/// config.json's quantization_config for the pre-quantized checkpoints QwenVk reads: GPTQ (checkpoint format v1, as
/// AutoGPTQ / GPTQModel write it: 4 or 8 bits, any group size, desc_act, sym) and AWQ (version "gemm", 4 bits, zero
/// point). Their decoder layers' projections are stored packed (<see cref="PackedWeight"/>); everything else is a float
/// tensor as usual. Anything else is refused here, naming the field, before a tensor is read.
/// </summary>
/// <param name="GroupSize">Input columns sharing a scale and zero; -1: all of K (one group).</param>
public sealed record PackedQuantization(PackedMethod Method, int Bits, int GroupSize, bool DescAct)
{
    public string Name => Method == PackedMethod.Gptq ? "gptq" : "awq";

    /// <summary>Quantized values per int32 word.</summary>
    public int PerWord => 32 / Bits;

    /// <summary>The groups K input columns form (a group size that does not divide K is refused by the validator).</summary>
    public long Groups(long k) => GroupSize == -1 ? 1 : k / GroupSize;

    internal static PackedQuantization Parse(JsonElement qc, string file)
    {
        const string field = "quantization_config";
        if (qc.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{file}: field \"{field}\" is {qc.GetRawText()}, expected an object with quant_method.");
        var f = new JsonFields(qc, file, field + ".");
        string method = f.StringOrNull("quant_method") ?? throw f.Invalid("quant_method", "is missing; expected \"gptq\" or \"awq\".");
        if (method.ToLowerInvariant() is not ("gptq" or "awq"))
            throw f.Unsupported("quant_method", $"is \"{method}\"; QwenVk loads pre-quantized \"gptq\" (format v1) and \"awq\" (gemm) checkpoints only. Use the model's original FP16/BF16 checkpoint and quantize it at load (q8_0 or q4_0).");
        int bits = f.IntOrNull("bits") ?? throw f.Invalid("bits", "is missing.");
        int group = f.Int("group_size", 128);
        if (group != -1 && group <= 0) throw f.Invalid("group_size", $"is {group}, expected a positive integer or -1 (one group over all of K).");
        switch (method.ToLowerInvariant())
        {
            case "gptq":
            {
                if (bits is not (4 or 8))
                    throw f.Unsupported("bits", $"is {bits}; QwenVk loads 4- and 8-bit GPTQ checkpoints. Use a 4- or 8-bit GPTQ model or the original FP16/BF16 checkpoint.");
                // AutoGPTQ writes checkpoint_format, GPTQModel format; both default to v1 ("gptq").
                foreach (var name in new[] { "checkpoint_format", "format" })
                    if (f.StringOrNull(name) is { } format && format != "gptq")
                        throw f.Unsupported(name, $"is \"{format}\"; QwenVk reads GPTQ checkpoint format v1 (\"gptq\") only. Re-export the model in the gptq format (GPTQModel: format=\"gptq\").");
                if (f.Bool("is_marlin_format", false))
                    throw f.Unsupported("is_marlin_format", "is true: Marlin-packed GPTQ weights are not read. Use the model's plain GPTQ (v1) checkpoint.");
                // sym only says whether the zeros are all 2^(bits-1); the formula reads qzeros either way.
                f.Bool("sym", true);
                return new(PackedMethod.Gptq, bits, group, f.Bool("desc_act", false));
            }
            case "awq":
            {
                if (bits != 4)
                    throw f.Unsupported("bits", $"is {bits}; AWQ checkpoints are 4-bit. Use a 4-bit AWQ model or the original FP16/BF16 checkpoint.");
                string version = f.StringOrNull("version") ?? "gemm";
                if (!string.Equals(version, "gemm", StringComparison.OrdinalIgnoreCase))
                    throw f.Unsupported("version", $"is \"{version}\"; QwenVk reads AWQ version \"gemm\" only (GEMV, exllama, marlin and ipex pack differently). Use the model's AWQ GEMM checkpoint.");
                if (!f.Bool("zero_point", true))
                    throw f.Unsupported("zero_point", "is false; QwenVk reads AWQ with zero points only.");
                return new(PackedMethod.Awq, bits, group, false);
            }
            default:
                throw new InvalidOperationException(method);
        }
    }
}
