namespace QwenVk.Model.Text;

/// <summary>GPT-2's byte-level alphabet: every byte maps to a printable character so byte strings can live in a
/// JSON vocabulary. Bytes that are printable Latin-1 keep their own code; the rest are shifted to 256 + n.</summary>
static class ByteLevelAlphabet
{
    static readonly char[] ByteToChar = BuildByteToChar();
    static readonly Dictionary<char, byte> CharToByte = BuildCharToByte();

    public static char ToChar(byte b) => ByteToChar[b];

    /// <summary>Converts a byte-level token back to bytes; false when a character is outside the alphabet.</summary>
    public static bool TryToBytes(string token, List<byte> destination)
    {
        int start = destination.Count;
        foreach (char c in token)
        {
            if (!CharToByte.TryGetValue(c, out byte b))
            {
                destination.RemoveRange(start, destination.Count - start);
                return false;
            }
            destination.Add(b);
        }
        return true;
    }

    static char[] BuildByteToChar()
    {
        var map = new char[256];
        int shifted = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)(256 + shifted++);
        }
        return map;
    }

    static Dictionary<char, byte> BuildCharToByte()
    {
        var map = new Dictionary<char, byte>(256);
        for (int b = 0; b < 256; b++)
            map[ByteToChar[b]] = (byte)b;
        return map;
    }
}
