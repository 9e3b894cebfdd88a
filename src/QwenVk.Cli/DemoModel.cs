using System.Reflection;
using QwenVk.Tools.Checkpoints;

namespace QwenVk.Cli;

/// <summary>`--demo`: a small random Qwen2 checkpoint with the real Qwen2.5 tokenizer, made once into the user's
/// cache folder. Its weights are random, so its text is noise, but every stage (tokenizer, template, prefill,
/// decode, sampling, streaming) runs for real, offline.</summary>
static class DemoModel
{
    static readonly CheckpointSpec Spec = new()
    {
        Architecture = MakerArchitecture.Qwen2,
        DType = MakerDType.BF16,
        HiddenSize = 128,
        IntermediateSize = 352,
        Layers = 4,
        Heads = 4,
        KeyValueHeads = 2,
        VocabSize = 151936,
        MaxPositionEmbeddings = 4096,
        TieWordEmbeddings = true,
        Seed = 2026,
        BosTokenId = 151643,
        EosTokenIds = [151645, 151643],
    };

    public static string Ensure()
    {
        var root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        var folder = Path.Combine(root, "qwenvk", "demo-qwen2-random-v1");
        if (File.Exists(Path.Combine(folder, "model.safetensors")) && File.Exists(Path.Combine(folder, "tokenizer.json")))
            return folder;
        Console.Error.WriteLine($"making the demo checkpoint (random weights, real Qwen2.5 tokenizer) in {folder} ...");
        var staging = folder + ".tmp";
        if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        var tokenizer = Extract("demo/tokenizer.json.gz", staging + ".tokenizer.json.gz");
        var config = Extract("demo/tokenizer_config.json", staging + ".tokenizer_config.json");
        try
        {
            CheckpointMaker.Make(Spec with { TokenizerJson = tokenizer, TokenizerConfigJson = config }, staging);
        }
        finally
        {
            File.Delete(tokenizer);
            File.Delete(config);
        }
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.Move(staging, folder);
        return folder;
    }

    static string Extract(string resource, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var s = Assembly.GetExecutingAssembly().GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"the CLI was built without its embedded {resource}.");
        using var f = File.Create(path);
        s.CopyTo(f);
        return path;
    }
}
