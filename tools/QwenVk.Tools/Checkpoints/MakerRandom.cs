namespace QwenVk.Tools.Checkpoints;

/// <summary>SplitMix64 with Box-Muller normals: fixed arithmetic, so a seed gives the same weights on every machine
/// and .NET version (System.Random's seeded sequence is not promised to stay the same).</summary>
sealed class MakerRandom(ulong seed)
{
    ulong _state = seed;
    double? _spare;

    public static MakerRandom ForTensor(ulong seed, string name)
    {
        ulong h = 14695981039346656037UL;
        foreach (char c in name) h = (h ^ c) * 1099511628211UL;
        return new MakerRandom(seed * 0x9E3779B97F4A7C15UL ^ h);
    }

    public ulong NextUInt64()
    {
        ulong z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in (0, 1].</summary>
    public double NextUnit() => ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));

    public double NextNormal()
    {
        if (_spare is { } s)
        {
            _spare = null;
            return s;
        }
        double r = Math.Sqrt(-2 * Math.Log(NextUnit()));
        var (sin, cos) = Math.SinCos(2 * Math.PI * NextUnit());
        _spare = r * sin;
        return r * cos;
    }
}
