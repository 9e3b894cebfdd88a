using System.Text.Json;
using QwenVk.Runtime;
using QwenVk.Runtime.Quantization;
using Xunit;

namespace QwenVk.Tests.Quantization;

/// <summary>QwenVk's q8_0 / q4_0 blocks against the ones llama.cpp's own `llama-quantize --pure` wrote for the same F16
/// tensors (tests/fixtures/llama-quant, extracted by tools/fixtures/llama_quant_blocks.py from the Brown model's GGUF
/// conversion): byte for byte.</summary>
public class GgmlBlocksTests
{
    static readonly string Folder = RepoPaths.Fixture("llama-quant");

    public static TheoryData<string, string> Tensors()
    {
        var data = new TheoryData<string, string>();
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "manifest.json")));
        foreach (var t in manifest.RootElement.GetProperty("tensors").EnumerateArray())
            foreach (var type in new[] { "q8_0", "q4_0" })
                data.Add(t.GetProperty("name").GetString()!, type);
        return data;
    }

    [Theory]
    [MemberData(nameof(Tensors))]
    public void Blocks_equal_llama_quantize(string tensor, string type)
    {
        var dtype = type == "q8_0" ? DType.Q8_0 : DType.Q4_0;
        var source = File.ReadAllBytes(Path.Combine(Folder, $"{tensor}.f16"));
        var expected = File.ReadAllBytes(Path.Combine(Folder, $"{tensor}.{type}"));
        var values = new float[source.Length / 2];
        for (int i = 0; i < values.Length; i++) values[i] = (float)BitConverter.ToHalf(source, 2 * i);
        var got = new byte[values.Length / GgmlBlocks.BlockValues * GgmlBlocks.BlockBytes(dtype)];
        GgmlBlocks.Quantize(dtype, values, got);
        Assert.Equal(expected.Length, got.Length);
        int firstDiff = -1;
        for (int i = 0; i < got.Length; i++)
            if (got[i] != expected[i]) { firstDiff = i; break; }
        Assert.True(firstDiff < 0, $"{tensor} {type}: first differing byte {firstDiff} (block {firstDiff / GgmlBlocks.BlockBytes(dtype)})");
    }

    [Theory]
    [InlineData(DType.Q8_0, 13, 96)]
    [InlineData(DType.Q4_0, 16, 64)]
    [InlineData(DType.Q4_0, 1, 32)]
    public void Gpu_layout_keeps_every_block(DType t, int rows, int k)
    {
        var rng = new Random(rows * k);
        var blocks = new byte[rows * (k / 32) * GgmlBlocks.BlockBytes(t)];
        rng.NextBytes(blocks);
        var packed = new byte[QuantizedLayout.Bytes(t, rows, k)];
        Assert.Equal(0, (long)packed.Length % 16);
        QuantizedLayout.Pack(t, blocks, rows, k, packed);
        var row = new byte[(k / 32) * GgmlBlocks.BlockBytes(t)];
        for (int r = 0; r < rows; r++)
        {
            QuantizedLayout.UnpackRow(t, packed, r, k, row);
            Assert.Equal(blocks.AsSpan(r * row.Length, row.Length).ToArray(), row);
        }
    }

    [Fact]
    public void Dequantized_values_follow_llama_cpp_formulas()
    {
        // q8_0: d * q; q4_0: d * (q - 8), with value j in the low nibble of byte j and value j + 16 in its high nibble.
        var q8 = new byte[GgmlBlocks.Q8_0Bytes];
        BitConverter.TryWriteBytes(q8, BitConverter.HalfToUInt16Bits((Half)0.5f));
        q8[2] = unchecked((byte)(sbyte)-127);
        q8[3] = 3;
        var v = new float[32];
        GgmlBlocks.Dequantize(DType.Q8_0, q8, v);
        Assert.Equal(-63.5f, v[0]);
        Assert.Equal(1.5f, v[1]);
        var q4 = new byte[GgmlBlocks.Q4_0Bytes];
        BitConverter.TryWriteBytes(q4, BitConverter.HalfToUInt16Bits((Half)2f));
        q4[2] = 0xF1;  // value 0: 1 - 8, value 16: 15 - 8
        GgmlBlocks.Dequantize(DType.Q4_0, q4, v);
        Assert.Equal(-14f, v[0]);
        Assert.Equal(14f, v[16]);
        Assert.Equal(-16f, v[1]);
    }
}
