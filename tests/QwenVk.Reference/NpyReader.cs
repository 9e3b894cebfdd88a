using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace QwenVk.Reference;

/// <summary>Reads 2-D NumPy .npy arrays of little-endian float64 or float32 in C order (formats 1.0-3.0).</summary>
public static partial class NpyReader
{
    public static double[][] Read2D(string path)
    {
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path}: not a .npy file (bad magic).");
        int major = bytes[6];
        int headerLength, headerStart;
        if (major == 1) { headerLength = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)); headerStart = 10; }
        else if (major is 2 or 3) { headerLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8)); headerStart = 12; }
        else throw new InvalidDataException($"{path}: .npy format version {major} is not supported.");
        string header = Encoding.ASCII.GetString(bytes, headerStart, headerLength);

        string descr = Descr().Match(header) is { Success: true } d ? d.Groups[1].Value
            : throw new InvalidDataException($"{path}: header has no descr: {header}");
        if (FortranTrue().IsMatch(header)) throw new InvalidDataException($"{path}: Fortran-ordered arrays are not supported.");
        var shapeMatch = Shape().Match(header);
        if (!shapeMatch.Success) throw new InvalidDataException($"{path}: header has no shape: {header}");
        var dims = shapeMatch.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        if (dims.Length != 2) throw new InvalidDataException($"{path}: shape ({shapeMatch.Groups[1].Value}) is not 2-D.");

        int size = descr switch
        {
            "<f8" => 8,
            "<f4" => 4,
            _ => throw new InvalidDataException($"{path}: dtype {descr} is not supported (float64 '<f8' or float32 '<f4')."),
        };
        int dataStart = headerStart + headerLength;
        long needed = (long)dims[0] * dims[1] * size;
        if (bytes.Length - dataStart != needed)
            throw new InvalidDataException($"{path}: holds {bytes.Length - dataStart} data bytes, expected {needed} for {descr} [{dims[0]}, {dims[1]}].");
        var rows = new double[dims[0]][];
        for (int r = 0; r < dims[0]; r++)
        {
            rows[r] = new double[dims[1]];
            for (int c = 0; c < dims[1]; c++)
            {
                var at = bytes.AsSpan(checked(dataStart + (r * dims[1] + c) * size));
                rows[r][c] = size == 8 ? BinaryPrimitives.ReadDoubleLittleEndian(at) : BinaryPrimitives.ReadSingleLittleEndian(at);
            }
        }
        return rows;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex Descr();

    [GeneratedRegex(@"'fortran_order'\s*:\s*True")]
    private static partial Regex FortranTrue();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex Shape();
}
