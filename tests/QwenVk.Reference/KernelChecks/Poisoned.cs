namespace QwenVk.Reference.KernelChecks;

/// <summary>For kernels that must leave part of their output alone: compares the written part by NMSE and requires
/// every other element to still hold <see cref="CheckData.Poison"/> bit for bit.</summary>
public static class Poisoned
{
    public static bool IsPoison(float v) => BitConverter.SingleToUInt32Bits(v) == CheckData.Poison;

    /// <summary>NMSE over the elements where <paramref name="written"/> is true; +infinity (fails any tolerance) when
    /// an element that must be untouched was written.</summary>
    public static double Nmse(float[] actual, double[] expected, Func<long, bool> written)
    {
        var got = new List<float>();
        var want = new List<double>();
        for (long i = 0; i < actual.Length; i++)
        {
            if (written(i))
            {
                got.Add(actual[i]);
                want.Add(expected[i]);
            }
            else if (!IsPoison(actual[i])) return double.PositiveInfinity;
        }
        return CheckData.Nmse(got.ToArray(), want.ToArray());
    }
}
