using QwenVk.Cli;
using QwenVk.Model.Generation;
using QwenVk.Model.Inference;
using QwenVk.Model.Sampling;
using QwenVk.Model.Text;
using QwenVk.Reference.Model;

namespace QwenVk.Tests.Model;

/// <summary>`--demo` is brown-qwen2-tiny, a trained model: its greedy text is checked against an independent float64
/// implementation's published tokens (the fixture's README) and against this project's CPU reference, where random
/// weights could hide mistakes that flatten or shift a trained model's sharp distributions.</summary>
[Collection("gpu")]
public sealed class DemoModelTests(GpuFixture gpu)
{
    static string Fixture => RepoPaths.Fixture("brown-qwen2-tiny");
    const int EndOfText = 8000, ImEnd = 8002;
    /// <summary>Below this top-two logit gap in the double reference, fp32 on the GPU may legitimately pick the other
    /// token, and the continuations part from there.</summary>
    const double ClearGap = 1e-2;

    [Fact]
    public void TheCliEmbedsExactlyTheFixtureFiles()
    {
        foreach (var (file, sha) in DemoModel.Files)
            Assert.Equal(sha, DemoModel.Sha256(Path.Combine(Fixture, file)));
        var shipped = new[] { "config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json" };
        Assert.Equal(shipped, DemoModel.Files.Select(f => f.File).Order());
    }

    [Fact]
    public void ExtractionGivesIdenticalBytesAndRepairsADamagedCopy()
    {
        using var cache = new TempDir();
        var folder = DemoModel.Ensure(cache.Path);
        foreach (var (file, _) in DemoModel.Files)
            Assert.Equal(File.ReadAllBytes(Path.Combine(Fixture, file)), File.ReadAllBytes(Path.Combine(folder, file)));

        var weights = Path.Combine(folder, "model.safetensors");
        using (var f = File.OpenWrite(weights)) f.SetLength(f.Length - 1);
        Assert.Equal(folder, DemoModel.Ensure(cache.Path));
        Assert.Equal(File.ReadAllBytes(Path.Combine(Fixture, "model.safetensors")), File.ReadAllBytes(weights));
        Assert.Single(Directory.GetDirectories(Path.Combine(cache.Path, "qwenvk")));
    }

    /// <summary>The fixture README's independent float64 reference: ids 669,6786,853,3565 ("The jury said Friday"),
    /// 20 greedy tokens, past the &lt;|endoftext|&gt; the 14th one is (smallest top-two gap 0.088).</summary>
    [Fact]
    public void GreedyTokensMatchThePublishedIndependentReference()
    {
        int[] expected = [13, 316, 40, 1844, 260, 1246, 2058, 301, 363, 260, 1766, 735, 6932, 8000, 1, 50, 81, 84, 388, 283];
        using var model = QwenModel.Load(gpu.Ctx, Fixture, new ModelOptions { ContextLength = 64 });
        var got = new List<int> { model.ForwardGreedy([669, 6786, 853, 3565]) };
        while (got.Count < expected.Length) got.Add(model.ForwardGreedy([got[^1]]));
        Assert.Equal(expected, got);
        gpu.AssertClean();
    }

    /// <summary>What `generate --demo --temperature 0` runs (the extracted demo folder, raw text, the engine's stop
    /// rules) against the CPU reference's greedy tokens for the same ids, up to the first stop token.</summary>
    [Theory]
    [InlineData("The jury said Friday")]
    [InlineData("It was a cold morning in the city, and")]
    [InlineData("The committee reported that the new law")]
    [InlineData("She looked at him and")]
    public async Task GreedyCompletionMatchesTheCpuReference(string prompt)
    {
        const int steps = 16;
        using var cache = new TempDir();
        using var engine = QwenEngine.Load(gpu.Ctx, DemoModel.Ensure(cache.Path), new ModelOptions { ContextLength = 64 });
        var ids = engine.Tokenizer.Encode(prompt);
        var got = new List<int>();
        await foreach (var t in engine.GenerateTokensAsync(ids, new GenerationOptions { Sampling = SamplingOptions.Greedy, MaxNewTokens = steps }))
            got.Add(t.Id);

        var cpu = CpuQwenModel.Load(Fixture);
        var want = cpu.Generate(ids, steps);
        var logits = cpu.Forward([.. ids, .. want[..^1]]);
        int stop = Array.FindIndex(want, id => id is EndOfText or ImEnd);
        int compared = stop < 0 ? steps : stop;
        for (int k = 0; k < compared; k++)
        {
            var row = logits[ids.Length - 1 + k].OrderDescending().Take(2).ToArray();
            if (row[0] - row[1] < ClearGap)
            {
                compared = k;  // this token may differ by rounding, and what follows it with it
                break;
            }
        }
        Assert.True(compared >= 4, $"only {compared} tokens of '{prompt}' have a clear greedy choice; pick another prompt");
        Assert.True(got.Count >= compared, $"the GPU stopped after {got.Count} tokens: [{string.Join(",", got)}], the reference went on: [{string.Join(",", want)}]");
        Assert.Equal(want[..compared], got[..compared]);
        if (compared == (stop < 0 ? steps : stop))
        {
            Assert.Equal(want.Take(compared), got);
            Assert.Equal(stop < 0 ? StopReason.MaxTokens : StopReason.StopToken, engine.LastStats!.StopReason);
        }
        gpu.AssertClean();
    }
}
