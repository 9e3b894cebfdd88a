using System.Diagnostics;
using System.Text;
using QwenVk.Tools.Checkpoints;

namespace QwenVk.Tests.Cli;

/// <summary>Damaged and hostile inputs through the command line: one "error:" line naming what is wrong, a non-zero
/// exit code, no stack trace, within seconds.</summary>
public sealed class MalformedInputTests : IDisposable
{
    readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    string Model(bool tokenizer = false, MakerDType dtype = MakerDType.BF16) =>
        TestModels.Make(Path.Combine(_dir.Path, "m"), tokenizer, dtype);

    CliRunner.Result Logits(string folder, string ids = "1,2,3") =>
        CliRunner.Run(["logits", "--model", folder, "--ids", ids, "--out", _dir.File("out.npy")]);

    [Theory]
    [InlineData(200000000)]
    [InlineData(2147483647)]
    [InlineData(3)]
    public void ALayerCountTheWeightsDoNotHaveIsRefusedBeforeAnythingIsSizedFromIt(int layers)
    {
        var folder = Model();
        TestModels.EditConfig(folder, c => c["num_hidden_layers"] = layers);
        var clock = Stopwatch.StartNew();
        var r = Logits(folder);
        CliRunner.AssertOneLineError(r, "num_hidden_layers", "config.json");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC3 })]
    public void ATensorNameThatIsNotUtf8IsOneLine(byte[] bad)
    {
        var folder = Model();
        TestModels.EditHeader(folder, h => TestModels.Replace(h, "norm.weight", [.. "norm.weigh"u8, .. bad]));
        CliRunner.AssertOneLineError(Logits(folder), "model.safetensors", "UTF-8");
    }

    [Fact]
    public void ATensorNameWithALoneSurrogateEscapeIsOneLine()
    {
        var folder = Model();
        TestModels.EditHeader(folder, h => TestModels.Replace(h, "norm.weight", Encoding.ASCII.GetBytes("norm.weigh\\ud800")));
        CliRunner.AssertOneLineError(Logits(folder), "model.safetensors");
    }

    [Fact]
    public void AHeaderLengthOverTheLimitIsNotCalledTruncated()
    {
        var folder = Model();
        var path = Path.Combine(folder, "model.safetensors");
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write))
            fs.Write(BitConverter.GetBytes(100L * 1024 * 1024 + 8));
        var r = Logits(folder);
        CliRunner.AssertOneLineError(r, "limit");
        Assert.DoesNotContain("truncated", r.Err);
    }

    [Theory]
    [InlineData("--prompt-ids", "99999999999")]
    [InlineData("--prompt-ids", "-1")]
    [InlineData("--prompt-ids", "1,x")]
    public void PromptIdsOutOfRangeAreOneLine(string option, string value)
    {
        var folder = Model();
        CliRunner.AssertOneLineError(CliRunner.Run(["generate", "--model", folder, option, value, "-n", "2"]), option);
    }

    [Fact]
    public void LogitsIdsOutOfRangeAreOneLine()
    {
        CliRunner.AssertOneLineError(Logits(Model(), "99999999999"), "--ids");
    }

    [Theory]
    [InlineData(MakerDType.BF16, "model.layers.0.self_attn.o_proj.weight", float.NaN)]
    [InlineData(MakerDType.F32, "model.layers.1.self_attn.q_proj.weight", float.PositiveInfinity)]
    [InlineData(MakerDType.F16, "model.layers.0.input_layernorm.weight", float.NegativeInfinity)]
    [InlineData(MakerDType.F16, "model.embed_tokens.weight", float.NaN)]
    public void NonFiniteWeightsAreRefusedAtLoadByName(MakerDType dtype, string tensor, float value)
    {
        var folder = Model(dtype: dtype);
        TestModels.Poke(folder, tensor, 5, value);
        CliRunner.AssertOneLineError(Logits(folder), tensor);
    }

    [Theory]
    [InlineData("q8_0", "model.layers.1.mlp.down_proj.weight")]
    [InlineData("q4_0", "model.layers.0.mlp.up_proj.weight")]
    public void NonFiniteWeightsAreRefusedWhenQuantizingToo(string quant, string tensor)
    {
        var folder = Model();
        TestModels.Poke(folder, tensor, 5, float.NaN);
        var r = CliRunner.Run(["logits", "--model", folder, "--ids", "1,2,3", "--quant", quant, "--out", Path.Combine(_dir.Path, "l.npy")]);
        CliRunner.AssertOneLineError(r, tensor);
    }

    [Fact]
    public void VerboseAddsTheStackAfterTheOneLine()
    {
        var folder = Model();
        var r = CliRunner.Run(["make-model", "--arch", "qwen2", "--out", Path.Combine(folder, "config.json"), "--hidden", "32"]);
        CliRunner.AssertOneLineError(r);
        var verbose = CliRunner.Run(["make-model", "--arch", "qwen2", "--out", Path.Combine(folder, "config.json"), "--hidden", "32", "--verbose"]);
        Assert.NotEqual(0, verbose.ExitCode);
        Assert.Contains("   at ", verbose.Err);
    }
}
