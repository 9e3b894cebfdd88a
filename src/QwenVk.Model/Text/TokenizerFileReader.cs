using System.IO.Compression;

namespace QwenVk.Model.Text;

/// <summary>Opens a tokenizer file that is either plain or gzip-compressed (detected by the gzip magic bytes, not
/// the name, so a renamed file still loads).</summary>
static class TokenizerFileReader
{
    public static byte[] ReadAllBytes(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"Tokenizer file '{path}' does not exist: pass the path of a Hugging Face tokenizer.json (or tokenizer.json.gz).", path);
        byte[] raw = File.ReadAllBytes(path);
        if (raw.Length < 2 || raw[0] != 0x1F || raw[1] != 0x8B)
            return raw;
        try
        {
            using var gz = new GZipStream(new MemoryStream(raw), CompressionMode.Decompress);
            using var plain = new MemoryStream(raw.Length * 4);
            gz.CopyTo(plain);
            return plain.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"Tokenizer file '{path}' starts like gzip but does not decompress: {e.Message}. Re-download or re-compress it.", e);
        }
    }
}
