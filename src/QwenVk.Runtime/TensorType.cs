namespace QwenVk.Runtime;

/// <summary>Element types. Q8_0 and Q4_0 are llama.cpp's block-quantized weights ([rows, K], blocks of 32 along K);
/// Q4_Z and Q8_Z are blocks of 32 with an unsigned quant, an fp16 scale d and an fp16 integer zero z, value d * (q - z)
/// (GPTQ and AWQ groups, repeated per block), laid out for the GPU as <see cref="Quantization.QuantizedLayout"/> describes; only weights take them.</summary>
public enum DType { F32, F16, U32, Q8_0, Q4_0, Q4_Z, Q8_Z }

/// <summary>Element type and shape (outermost dimension first, row-major) of a tensor.</summary>
public sealed record TensorType(DType DType, int[] Shape)
{
    public static TensorType Of(DType dtype, params int[] shape) => new(dtype, shape);

    public int Rank => Shape.Length;
    public int this[int dim] => Shape[dim < 0 ? Shape.Length + dim : dim];
    public long Elements => Shape.Aggregate(1L, (a, d) => a * d);
    /// <summary>Bytes per element; block-quantized types have none (see <see cref="Bytes"/>).</summary>
    public static int SizeOf(DType t) => t switch
    {
        DType.F16 => 2,
        DType.F32 or DType.U32 => 4,
        _ => throw new ArgumentException($"{t.ToString().ToLowerInvariant()} has no per-element size: it is stored in blocks"),
    };
    public ulong Bytes => Quantization.QuantizedLayout.IsBlockQuantized(DType)
        ? Quantization.QuantizedLayout.Bytes(DType, Rows, Shape[^1])
        : (ulong)(Elements * SizeOf(DType));
    /// <summary>Product of all dimensions but the last: the number of rows a row-wise kernel sees.</summary>
    public int Rows => (int)(Elements / Math.Max(1, Shape.Length == 0 ? 1 : Shape[^1]));

    public bool Equals(TensorType? other) => other is not null && DType == other.DType && Shape.AsSpan().SequenceEqual(other.Shape);
    public override int GetHashCode() => HashCode.Combine(DType, Shape.Length > 0 ? Shape[0] : 0, Shape.Length);
    public override string ToString() => $"{DType.ToString().ToLowerInvariant()}[{string.Join(",", Shape)}]";
}
