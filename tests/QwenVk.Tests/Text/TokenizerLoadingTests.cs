using System.IO.Compression;
using QwenVk.Model.Text;

namespace QwenVk.Tests.Text;

[Collection("qwen-tokenizers")]
public sealed class TokenizerLoadingTests(QwenTokenizers tokenizers) : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("qwenvk-tok-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void PlainTokenizerJson_LoadsLikeTheGzippedOne()
    {
        string plain = Path.Combine(_dir, "tokenizer.json");
        using (var gz = new GZipStream(File.OpenRead(FixturePaths.File("qwen2_5-tokenizer.json.gz")), CompressionMode.Decompress))
        using (var output = File.Create(plain))
            gz.CopyTo(output);

        QwenTokenizer fromPlain = QwenTokenizer.Load(plain);
        QwenTokenizer fromGz = tokenizers.Get(TokenizerKind.Qwen25);
        Assert.Equal(fromGz.VocabSize, fromPlain.VocabSize);
        foreach (string name in new[] { "chinese", "emoji", "astral_letters", "chatml_full" })
            Assert.Equal(Golden.Case(name).IdsQwen25, fromPlain.Encode(Golden.Case(name).Text));
    }

    [Fact]
    public void MissingFile_NamesThePath()
    {
        string path = Path.Combine(_dir, "nope.json");
        var e = Assert.Throws<FileNotFoundException>(() => QwenTokenizer.Load(path));
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void OtherJson_IsRefusedWithTheMissingField()
    {
        string path = Path.Combine(_dir, "config.json");
        File.WriteAllText(path, "{\"hidden_size\": 1024}");
        var e = Assert.Throws<InvalidDataException>(() => QwenTokenizer.Load(path));
        Assert.Contains("'model'", e.Message);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void NonBpeTokenizer_IsRefused()
    {
        string path = Path.Combine(_dir, "wordpiece.json");
        File.WriteAllText(path, "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}");
        var e = Assert.Throws<NotSupportedException>(() => QwenTokenizer.Load(path));
        Assert.Contains("WordPiece", e.Message);
    }

    [Fact]
    public void CorruptGzip_SaysSo()
    {
        string path = Path.Combine(_dir, "broken.json.gz");
        File.WriteAllBytes(path, [0x1F, 0x8B, 8, 0, 1, 2, 3, 4, 5, 6, 7]);
        var e = Assert.Throws<InvalidDataException>(() => QwenTokenizer.Load(path));
        Assert.Contains("gzip", e.Message);
    }
}
