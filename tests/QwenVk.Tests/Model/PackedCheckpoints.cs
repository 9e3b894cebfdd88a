using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using QwenVk.Reference.Model;

namespace QwenVk.Tests.Model;

/// <summary>How <see cref="PackedCheckpoints.Pack"/> quantizes: GPTQ (v1) or AWQ (gemm), bits, group size (-1: all of
/// K), symmetric zeros, and act-order (desc_act: each column's group taken from a random permutation of K; one
/// permutation per input, q/k/v sharing one and gate/up another, as GPTQ's Hessian order does, unless OwnOrders).</summary>
sealed record PackScheme(string Method, int Bits, int GroupSize, bool Sym = false, bool DescAct = false, bool OwnOrders = false);

/// <summary>A test's own GPTQ / AWQ packer, independent of the engine: turns a single-file F16 checkpoint made by
/// CheckpointMaker into a pre-quantized one in place. Each decoder projection [N, K] is quantized per (group, output
/// column) from its values' range, with a random jitter on the scale so scales and zeros are arbitrary but valid, and
/// written as qweight/qzeros/scales(/g_idx) exactly as the issue lays them out; every other tensor is copied as F16,
/// and config.json gains a quantization_config. <c>tamper</c> may change the tensors before they are written.</summary>
static class PackedCheckpoints
{
    public sealed record Entry(string DType, long[] Shape, byte[] Data);

    static readonly Regex Projection = new(@"^model\.layers\.\d+\.(self_attn\.[qkvo]|mlp\.(gate|up|down))_proj\.weight$");
    static readonly int[] AwqOrder = [0, 2, 4, 6, 1, 3, 5, 7];

    public static void Pack(string folder, PackScheme scheme, int seed, Action<Dictionary<string, Entry>>? tamper = null,
        Action<JsonObject>? editConfig = null)
    {
        string file = Path.Combine(folder, "model.safetensors");
        var source = RefTensors.LoadFile(file);
        var rng = new Random(seed);
        var output = new Dictionary<string, Entry>();
        var orders = new Dictionary<string, int[]>();
        foreach (var (name, t) in source.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (!Projection.IsMatch(name))
            {
                output[name] = new("F16", t.Shape, t.Data.SelectMany(v => BitConverter.GetBytes((Half)v)).ToArray());
                continue;
            }
            string prefix = name[..^"weight".Length];
            int k = (int)t.Shape[1];
            string input = scheme.OwnOrders ? name : Regex.Replace(name, @"(self_attn\.[qkv]|mlp\.(gate|up))_proj\.weight$", m => m.Value.StartsWith("self_attn") ? "attn_in" : "mlp_in");
            if (!orders.TryGetValue(input, out var order))
            {
                orders[input] = order = Enumerable.Range(0, k).ToArray();
                if (scheme.DescAct) rng.Shuffle(order);
            }
            foreach (var (part, entry) in Quantize(scheme, (int)t.Shape[0], k, t.Data, order, rng))
                output[prefix + part] = entry;
        }
        tamper?.Invoke(output);
        Write(file, output);

        string configPath = Path.Combine(folder, "config.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        var qc = new JsonObject { ["quant_method"] = scheme.Method, ["bits"] = scheme.Bits, ["group_size"] = scheme.GroupSize };
        if (scheme.Method == "gptq")
        {
            qc["desc_act"] = scheme.DescAct;
            qc["sym"] = scheme.Sym;
            qc["checkpoint_format"] = "gptq";
        }
        else
        {
            qc["version"] = "gemm";
            qc["zero_point"] = true;
        }
        config["quantization_config"] = qc;
        editConfig?.Invoke(config);
        File.WriteAllText(configPath, config.ToJsonString());
    }

    static IEnumerable<(string Part, Entry Entry)> Quantize(PackScheme s, int n, int k, double[] w, int[] perm, Random rng)
    {
        int size = s.GroupSize == -1 ? k : s.GroupSize, groups = k / size, maxq = (1 << s.Bits) - 1;
        var gIdx = new int[k];
        for (int c = 0; c < k; c++) gIdx[c] = perm[c] / size;
        var scale = new Half[groups, n];
        var zero = new int[groups, n];
        var q = new int[k, n];
        for (int g = 0; g < groups; g++)
            for (int r = 0; r < n; r++)
            {
                var cols = Enumerable.Range(0, k).Where(c => gIdx[c] == g).ToArray();
                double lo = Math.Min(0, cols.Min(c => w[(long)r * k + c])), hi = Math.Max(0, cols.Max(c => w[(long)r * k + c]));
                double jitter = 1 + 0.2 * rng.NextDouble();
                double d;
                int z;
                if (s.Sym)
                {
                    d = Math.Max(Math.Abs(lo), hi) * 2 / maxq * jitter;
                    z = (maxq + 1) / 2;
                }
                else
                {
                    d = (hi - lo) / maxq * jitter;
                    // GPTQ v1 stores zero - 1, so its zero is at least 1.
                    z = Math.Clamp((int)Math.Round(-lo / Math.Max(d, 1e-8)), s.Method == "gptq" ? 1 : 0, maxq);
                }
                scale[g, r] = (Half)Math.Max(d, 1e-4);
                zero[g, r] = z;
                foreach (int c in cols)
                    q[c, r] = Math.Clamp((int)Math.Round(w[(long)r * k + c] / (double)scale[g, r]) + z, 0, maxq);
            }
        var scales = new byte[groups * n * 2];
        for (int g = 0; g < groups; g++)
            for (int r = 0; r < n; r++) BinaryPrimitives.WriteHalfLittleEndian(scales.AsSpan((g * n + r) * 2), scale[g, r]);
        if (s.Method == "gptq")
        {
            int per = 32 / s.Bits;
            var qweight = new uint[k / per * n];
            for (int c = 0; c < k; c++)
                for (int r = 0; r < n; r++) qweight[c / per * n + r] |= (uint)q[c, r] << (s.Bits * (c % per));
            var qzeros = new uint[groups * (n / per)];
            for (int g = 0; g < groups; g++)
                for (int r = 0; r < n; r++) qzeros[g * (n / per) + r / per] |= (uint)((zero[g, r] - 1) & maxq) << (s.Bits * (r % per));
            yield return ("qweight", Ints([k / per, n], qweight));
            yield return ("qzeros", Ints([groups, n / per], qzeros));
            yield return ("scales", new("F16", [groups, n], scales));
            yield return ("g_idx", Ints([k], gIdx.Select(x => (uint)x).ToArray()));
        }
        else
        {
            var qweight = new uint[k * (n / 8)];
            var qzeros = new uint[groups * (n / 8)];
            for (int r = 0; r < n; r++)
            {
                int shift = 4 * Array.IndexOf(AwqOrder, r % 8);
                for (int c = 0; c < k; c++) qweight[c * (n / 8) + r / 8] |= (uint)q[c, r] << shift;
                for (int g = 0; g < groups; g++) qzeros[g * (n / 8) + r / 8] |= (uint)zero[g, r] << shift;
            }
            yield return ("qweight", Ints([k, n / 8], qweight));
            yield return ("qzeros", Ints([groups, n / 8], qzeros));
            yield return ("scales", new("F16", [groups, n], scales));
        }
    }

    public static Entry Ints(long[] shape, uint[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4 * i), values[i]);
        return new("I32", shape, bytes);
    }

    public static void Write(string path, Dictionary<string, Entry> tensors)
    {
        var header = new JsonObject();
        long offset = 0;
        foreach (var (name, t) in tensors)
        {
            header[name] = new JsonObject
            {
                ["dtype"] = t.DType,
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + t.Data.Length),
            };
            offset += t.Data.Length;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        using var fs = File.Create(path);
        var len = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)json.Length);
        fs.Write(len);
        fs.Write(json);
        foreach (var t in tensors.Values) fs.Write(t.Data);
    }
}
