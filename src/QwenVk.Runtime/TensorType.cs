namespace QwenVk.Runtime;

public enum DType { F32, F16, U32 }

/// <summary>Element type and shape (outermost dimension first, row-major) of a tensor.</summary>
public sealed record TensorType(DType DType, int[] Shape)
{
    public static TensorType Of(DType dtype, params int[] shape) => new(dtype, shape);

    public int Rank => Shape.Length;
    public int this[int dim] => Shape[dim < 0 ? Shape.Length + dim : dim];
    public long Elements => Shape.Aggregate(1L, (a, d) => a * d);
    public static int SizeOf(DType t) => t == DType.F16 ? 2 : 4;
    public ulong Bytes => (ulong)(Elements * SizeOf(DType));
    /// <summary>Product of all dimensions but the last: the number of rows a row-wise kernel sees.</summary>
    public int Rows => (int)(Elements / Math.Max(1, Shape.Length == 0 ? 1 : Shape[^1]));

    public bool Equals(TensorType? other) => other is not null && DType == other.DType && Shape.AsSpan().SequenceEqual(other.Shape);
    public override int GetHashCode() => HashCode.Combine(DType, Shape.Length > 0 ? Shape[0] : 0, Shape.Length);
    public override string ToString() => $"{DType.ToString().ToLowerInvariant()}[{string.Join(",", Shape)}]";
}
