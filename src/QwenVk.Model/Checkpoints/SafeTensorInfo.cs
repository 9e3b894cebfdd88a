namespace QwenVk.Model.Checkpoints;

public enum SafeTensorsDType
{
    BF16,
    F16,
    F32,
    /// <summary>GPTQ/AWQ packed quants, zeros and group indices; never a float weight.</summary>
    I32,
}

/// <summary>One tensor in a safetensors file: its byte range [Begin, End) is relative to the start of the data
/// section (just after the header).</summary>
public sealed record SafeTensorInfo(string Name, SafeTensorsDType DType, long[] Shape, long Begin, long End)
{
    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);
    public long ByteLength => End - Begin;
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    public static int ElementSize(SafeTensorsDType d) => d is SafeTensorsDType.F32 or SafeTensorsDType.I32 ? 4 : 2;
}
