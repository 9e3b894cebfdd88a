using System.Text;
using System.Text.Json.Nodes;
using QwenVk.Model.Checkpoints;
using QwenVk.Tools.Checkpoints;

namespace QwenVk.Tests.Cli;

/// <summary>Small checkpoints for command-line tests, and ways to damage them.</summary>
static class TestModels
{
    /// <summary>A tiny random Qwen2 checkpoint; with <paramref name="tokenizer"/> the real Qwen2.5 tokenizer and its
    /// template config, else a vocabulary of 512 ids and no tokenizer files at all.</summary>
    public static string Make(string folder, bool tokenizer = true, MakerDType dtype = MakerDType.BF16, int maxPositions = 32768)
    {
        CheckpointMaker.Make(new CheckpointSpec
        {
            DType = dtype, HiddenSize = 32, IntermediateSize = 64, Layers = 2, Heads = 2, KeyValueHeads = 1,
            VocabSize = tokenizer ? 151936 : 512, BosTokenId = tokenizer ? 151643 : 1, EosTokenIds = tokenizer ? [151645] : [2],
            Seed = 7, MaxPositionEmbeddings = maxPositions,
            TokenizerJson = tokenizer ? RepoPaths.Fixture("qwen-tokenizer", "qwen2_5-tokenizer.json.gz") : null,
            TokenizerConfigJson = tokenizer ? RepoPaths.Fixture("qwen-tokenizer", "qwen2_5-tokenizer_config.json") : null,
        }, folder);
        return folder;
    }

    public static void EditConfig(string folder, Action<JsonObject> edit, string file = "config.json")
    {
        var path = Path.Combine(folder, file);
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    /// <summary>Overwrites element <paramref name="element"/> of a tensor in model.safetensors with
    /// <paramref name="value"/>, in the tensor's stored dtype.</summary>
    public static void Poke(string folder, string tensor, long element, float value)
    {
        string path = Path.Combine(folder, Checkpoint.SingleFile);
        SafeTensorInfo info;
        using (var file = SafeTensorsFile.Open(path)) info = file[tensor];
        byte[] bytes = info.DType switch
        {
            SafeTensorsDType.F32 => BitConverter.GetBytes(value),
            SafeTensorsDType.F16 => BitConverter.GetBytes((Half)value),
            _ => BitConverter.GetBytes((ushort)(BitConverter.SingleToInt32Bits(value) >> 16)),
        };
        using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        var len = new byte[8];
        fs.ReadExactly(len);
        fs.Position = 8 + BitConverter.ToInt64(len) + info.Begin + element * bytes.Length;
        fs.Write(bytes);
    }

    /// <summary>Rewrites model.safetensors' JSON header bytes (the length field follows; offsets are relative to the
    /// data, so they stay right).</summary>
    public static void EditHeader(string folder, Func<byte[], byte[]> edit)
    {
        string path = Path.Combine(folder, Checkpoint.SingleFile);
        var all = File.ReadAllBytes(path);
        long len = BitConverter.ToInt64(all, 0);
        var header = edit(all.AsSpan(8, (int)len).ToArray());
        using var fs = new FileStream(path, FileMode.Create);
        fs.Write(BitConverter.GetBytes((long)header.Length));
        fs.Write(header);
        fs.Write(all.AsSpan(8 + (int)len));
    }

    public static byte[] Replace(byte[] haystack, string find, byte[] replacement)
    {
        var needle = Encoding.UTF8.GetBytes(find);
        int at = haystack.AsSpan().IndexOf(needle);
        Assert.True(at >= 0, $"'{find}' not in the header");
        return [.. haystack.AsSpan(0, at), .. replacement, .. haystack.AsSpan(at + needle.Length)];
    }
}
