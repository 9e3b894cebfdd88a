using System.Security.Cryptography;
using System.Text;

namespace QwenVk.Tests.Hub;

/// <summary>A repo the fake hub serves: its id, the commit its main branch points to, and its files.</summary>
sealed class FakeHubRepo(string id, Dictionary<string, byte[]> files)
{
    public string Id { get; } = id;
    public string Commit { get; } = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(id)));
    public Dictionary<string, byte[]> Files { get; } = files;

    public static string Sha256(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    /// <summary>config, generation config, tokenizer files and a single model.safetensors of random bytes.</summary>
    public static FakeHubRepo Tiny(string id, int modelBytes = 5000, int seed = 1) => new(id, new()
    {
        ["config.json"] = Text("{\"model_type\": \"qwen2\", \"hidden_size\": 8}"),
        ["generation_config.json"] = Text("{\"eos_token_id\": 2}"),
        ["tokenizer.json"] = Text("{\"version\": \"1.0\", \"model\": {\"type\": \"BPE\"}}"),
        ["tokenizer_config.json"] = Text("{\"chat_template\": \"\"}"),
        ["model.safetensors"] = RandomBytes(modelBytes, seed),
    });

    /// <summary>No model.safetensors: weights in two shards listed by the index; no optional files.</summary>
    public static FakeHubRepo Sharded(string id) => new(id, new()
    {
        ["config.json"] = Text("{\"model_type\": \"qwen3\"}"),
        ["tokenizer.json"] = Text("{\"version\": \"1.0\"}"),
        ["model.safetensors.index.json"] = Text("""
            {"metadata": {"total_size": 7000},
             "weight_map": {"a.weight": "model-00001-of-00002.safetensors", "b.weight": "model-00002-of-00002.safetensors",
                            "c.weight": "model-00001-of-00002.safetensors"}}
            """),
        ["model-00001-of-00002.safetensors"] = RandomBytes(4000, 2),
        ["model-00002-of-00002.safetensors"] = RandomBytes(3000, 3),
    });

    public static byte[] Text(string s) => Encoding.UTF8.GetBytes(s);

    public static byte[] RandomBytes(int n, int seed)
    {
        var bytes = new byte[n];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
