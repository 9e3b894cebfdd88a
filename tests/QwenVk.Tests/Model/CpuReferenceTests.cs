using System.Text.Json;
using QwenVk.Reference;
using QwenVk.Reference.Model;
using Xunit.Abstractions;

namespace QwenVk.Tests.Model;

/// <summary>The CPU reference forward pass against logits an independent float64 implementation of transformers'
/// Qwen2/Qwen3 computed for the fixture checkpoints. Both are float64, so they agree to rounding (NMSE ~1e-30).</summary>
public sealed class CpuReferenceTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("qwen2-tiny")]
    [InlineData("qwen3-tiny")]
    public void LogitsMatchIndependentImplementation(string name)
    {
        string folder = RepoPaths.ReferenceModel(name);
        var (ids, _) = ReadReference(folder);
        var expected = NpyReader.Read2D(Path.Combine(folder, "reference_logits.npy"));
        var actual = CpuQwenModel.Load(folder).Forward(ids);

        Assert.Equal(expected.Length, actual.Length);
        double num = 0, den = 0, maxAbs = 0;
        for (int t = 0; t < expected.Length; t++)
        {
            Assert.Equal(expected[t].Length, actual[t].Length);
            for (int i = 0; i < expected[t].Length; i++)
            {
                double d = actual[t][i] - expected[t][i];
                num += d * d;
                den += expected[t][i] * expected[t][i];
                maxAbs = Math.Max(maxAbs, Math.Abs(d));
            }
        }
        double nmse = num / den;
        output.WriteLine($"{name}: NMSE {nmse:E3}, max abs diff {maxAbs:E3}");
        Assert.True(nmse <= 1e-20, $"{name}: NMSE {nmse:E3} > 1e-20 (max abs diff {maxAbs:E3})");
    }

    [Theory]
    [InlineData("qwen2-tiny")]
    [InlineData("qwen3-tiny")]
    public void GreedyGenerationMatchesIndependentImplementation(string name)
    {
        string folder = RepoPaths.ReferenceModel(name);
        var (ids, generated) = ReadReference(folder);
        Assert.Equal(generated, CpuQwenModel.Load(folder).Generate(ids, generated.Length));
    }

    static (int[] Ids, int[] Generated) ReadReference(string folder)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "reference.json")));
        int[] Ints(string k) => doc.RootElement.GetProperty(k).EnumerateArray().Select(e => e.GetInt32()).ToArray();
        return (Ints("input_ids"), Ints("generated_ids"));
    }
}
