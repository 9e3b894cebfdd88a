using System.Text;

namespace QwenVk.Model.Checkpoints;

/// <summary>Writes NumPy .npy files (format 1.0, little-endian float32, C order), e.g. logits to compare in Python.</summary>
public static class NpyWriter
{
    public static void WriteFloat32(string path, float[,] values)
    {
        int rows = values.GetLength(0), cols = values.GetLength(1);
        var flat = new float[rows * cols];
        Buffer.BlockCopy(values, 0, flat, 0, flat.Length * sizeof(float));
        WriteFloat32(path, flat, rows, cols);
    }

    public static void WriteFloat32(string path, ReadOnlySpan<float> values, int rows, int cols)
    {
        if (rows < 0 || cols < 0 || (long)rows * cols != values.Length)
            throw new ArgumentException($"{values.Length} values do not form a [{rows}, {cols}] array.", nameof(values));
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write);
        fs.Write(Header($"{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {cols}), }}"));
        if (BitConverter.IsLittleEndian) fs.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values));
        else
        {
            Span<byte> b = stackalloc byte[4];
            foreach (float v in values)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteSingleLittleEndian(b, v);
                fs.Write(b);
            }
        }
    }

    // Magic, version 1.0, a 2-byte header length, then the dictionary padded with spaces and ended by a newline
    // so the data starts on a 64-byte boundary.
    static byte[] Header(string dict)
    {
        int unpadded = 6 + 2 + 2 + dict.Length + 1;
        int padded = (unpadded + 63) / 64 * 64;
        string text = dict + new string(' ', padded - unpadded) + "\n";
        var h = new byte[padded];
        h[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY", 0, 5, h, 1);
        h[6] = 1;
        h[7] = 0;
        h[8] = (byte)(text.Length & 0xFF);
        h[9] = (byte)(text.Length >> 8);
        Encoding.ASCII.GetBytes(text, 0, text.Length, h, 10);
        return h;
    }
}
