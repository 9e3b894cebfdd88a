using System.Runtime.InteropServices;

namespace QwenVk.Model.Checkpoints;

/// <summary>A Hugging Face model folder: config.json, optional generation_config.json, and the weights in
/// model.safetensors or in shards listed by model.safetensors.index.json. Opening checks that the tensors are exactly
/// those config.json implies, with the implied shapes; tensors are then read one at a time, converted to FP16.</summary>
public sealed class Checkpoint : IDisposable
{
    public const string ConfigFile = "config.json";
    public const string GenerationConfigFile = "generation_config.json";
    public const string SingleFile = "model.safetensors";
    public const string IndexFile = "model.safetensors.index.json";

    /// <summary>Elements converted per step: bounds the working set of the mapping while reading a large tensor.</summary>
    const int ChunkElements = 1 << 20;

    readonly List<SafeTensorsFile> _files;
    readonly Dictionary<string, (SafeTensorsFile File, SafeTensorInfo Info)> _tensors;
    readonly IReadOnlySet<string> _packed;

    public string Folder { get; }
    public QwenConfig Config { get; }
    public GenerationConfig? Generation { get; }

    /// <summary>Things worth telling the user that are not errors (e.g. an lm_head.weight present while tied).</summary>
    public IReadOnlyList<string> Notes { get; }

    public IReadOnlyList<SafeTensorsFile> Files => _files;
    public IEnumerable<string> TensorNames => _tensors.Keys;
    public bool Contains(string name) => _tensors.ContainsKey(name);
    public SafeTensorInfo Info(string name) => Lookup(name).Info;
    public string FileOf(string name) => Lookup(name).File.Path;

    Checkpoint(string folder, QwenConfig config, GenerationConfig? generation, List<SafeTensorsFile> files,
        Dictionary<string, (SafeTensorsFile, SafeTensorInfo)> tensors, List<string> notes)
    {
        Folder = folder;
        Config = config;
        Generation = generation;
        _files = files;
        _tensors = tensors;
        Notes = notes;
        _packed = QwenWeights.Packed(config);
    }

    /// <summary>True when <paramref name="name"/> (a weight config.json implies) is stored packed by GPTQ / AWQ; it is
    /// read like any other weight, dequantized (<see cref="PackedWeight"/>).</summary>
    public bool IsPacked(string name) => _packed.Contains(name);

    public static Checkpoint Open(string folder)
    {
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"{folder}: model folder not found.");
        string configPath = System.IO.Path.Combine(folder, ConfigFile);
        if (!File.Exists(configPath))
            throw new FileNotFoundException($"{configPath}: not found; a Hugging Face model folder needs config.json next to the safetensors files.", configPath);
        var config = QwenConfig.Load(configPath);
        string genPath = System.IO.Path.Combine(folder, GenerationConfigFile);
        var generation = File.Exists(genPath) ? GenerationConfig.Load(genPath) : null;

        var layout = CheckpointLayout.Resolve(folder);
        var files = new List<SafeTensorsFile>();
        try
        {
            var tensors = new Dictionary<string, (SafeTensorsFile, SafeTensorInfo)>();
            foreach (var path in layout.Files)
            {
                var file = SafeTensorsFile.Open(path);
                files.Add(file);
                foreach (var t in file.Tensors)
                {
                    if (tensors.TryGetValue(t.Name, out var other))
                        throw new InvalidDataException($"{path}: tensor \"{t.Name}\" is also in {other.Item1.Path}; a tensor must be stored once.");
                    tensors[t.Name] = (file, t);
                }
            }
            layout.CheckIndexAgrees(tensors.ToDictionary(kv => kv.Key, kv => kv.Value.Item1.Path));
            var notes = CheckpointValidator.Check(config, layout, tensors.ToDictionary(kv => kv.Key, kv => (kv.Value.Item1.Path, kv.Value.Item2)));
            return new Checkpoint(folder, config, generation, files, tensors, notes);
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
    }

    /// <summary>Reads one tensor converted to FP16 (round to nearest even) into <paramref name="destination"/>, which
    /// must hold exactly its element count. Reads straight from the file mapping in chunks, so no copy of the
    /// checkpoint is made in host memory.</summary>
    public void ReadAsHalf(string name, Span<Half> destination)
    {
        if (IsPacked(name))
        {
            ReadPackedAsHalf(name, destination, null);
            return;
        }
        var (file, info) = Lookup(name, destination.Length);
        int size = SafeTensorInfo.ElementSize(info.DType);
        for (long start = 0; start < info.Elements; start += ChunkElements)
        {
            int n = (int)Math.Min(ChunkElements, info.Elements - start);
            var bytes = file.Bytes(info, start * size, n * size);
            var dst = destination.Slice((int)start, n);
            int overflow = info.DType switch
            {
                SafeTensorsDType.F16 => CopyHalf(bytes, dst),
                SafeTensorsDType.BF16 => HalfConversion.FromBFloat16(MemoryMarshal.Cast<byte, ushort>(bytes), dst),
                SafeTensorsDType.F32 => HalfConversion.FromSingle(MemoryMarshal.Cast<byte, float>(bytes), dst),
                _ => throw new InvalidOperationException(info.DType.ToString()),
            };
            if (overflow >= 0)
                throw new InvalidDataException($"{file.Path}: tensor \"{name}\" element {start + overflow} is beyond the FP16 range (|x| > 65504); this checkpoint cannot run in FP16.");
            RejectNonFinite(file, name, start, dst);
        }
    }

    /// <summary>Reads one tensor as float32 (exact for every stored dtype) into <paramref name="destination"/>.</summary>
    public void ReadAsSingle(string name, Span<float> destination)
    {
        if (IsPacked(name))
        {
            Dequantize(name, destination);
            int bad = HalfConversion.FirstNonFinite(destination);
            if (bad >= 0) throw NonFinite(Lookup(PackedWeight.PartName(name, PackedWeight.Scales)).File, name, bad, destination[bad].ToString(System.Globalization.CultureInfo.InvariantCulture));
            return;
        }
        var (file, info) = Lookup(name, destination.Length);
        int size = SafeTensorInfo.ElementSize(info.DType);
        for (long start = 0; start < info.Elements; start += ChunkElements)
        {
            int n = (int)Math.Min(ChunkElements, info.Elements - start);
            var dst = destination.Slice((int)start, n);
            HalfConversion.ToSingle(info.DType, file.Bytes(info, start * size, n * size), dst);
            int bad = HalfConversion.FirstNonFinite(dst);
            if (bad >= 0) throw NonFinite(file, name, start + bad, dst[bad].ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Like <see cref="ReadAsHalf(string, Span{Half})"/>, with every row multiplied elementwise by
    /// <paramref name="columnScale"/> (one factor per column) in float32 before the one rounding to FP16: an RMSNorm's
    /// weight folded into the projection that reads the norm's output.</summary>
    public void ReadAsHalf(string name, Span<Half> destination, ReadOnlySpan<float> columnScale)
    {
        if (IsPacked(name))
        {
            ReadPackedAsHalf(name, destination, columnScale.ToArray());
            return;
        }
        var (file, info) = Lookup(name, destination.Length);
        int cols = (int)info.Shape[^1];
        if (columnScale.Length != cols)
            throw new ArgumentException($"{name} ({info.ShapeText}) has {cols} columns; the column scale has {columnScale.Length}.", nameof(columnScale));
        int size = SafeTensorInfo.ElementSize(info.DType);
        var scratch = new float[Math.Min(ChunkElements, info.Elements)];
        for (long start = 0; start < info.Elements; start += ChunkElements)
        {
            int n = (int)Math.Min(ChunkElements, info.Elements - start);
            var f = scratch.AsSpan(0, n);
            HalfConversion.ToSingle(info.DType, file.Bytes(info, start * size, n * size), f);
            // Row by row (a chunk may start and end mid-row): each piece times the matching part of the scale.
            for (int i = 0, col = (int)(start % cols); i < n; col = 0)
            {
                int len = Math.Min(cols - col, n - i);
                var piece = f.Slice(i, len);
                System.Numerics.Tensors.TensorPrimitives.Multiply(piece, columnScale.Slice(col, len), piece);
                i += len;
            }
            int overflow = HalfConversion.FromSingle(f, destination.Slice((int)start, n));
            if (overflow >= 0)
                throw new InvalidDataException($"{file.Path}: tensor \"{name}\" element {start + overflow} times its RMSNorm weight is beyond the FP16 range (|x| > 65504); this checkpoint cannot run in FP16.");
            RejectNonFinite(file, name, start, destination.Slice((int)start, n));
        }
    }

    /// <summary>A packed projection [N, K] dequantized to float32 (exactly <see cref="PackedWeight"/>'s formulas), then
    /// as every float weight: columns scaled by a folded norm, one rounding to FP16, range and finiteness checked.</summary>
    void ReadPackedAsHalf(string name, Span<Half> destination, float[]? columnScale)
    {
        var values = new float[destination.Length];
        Dequantize(name, values);
        var (file, _) = Lookup(PackedWeight.PartName(name, PackedWeight.Scales));
        if (columnScale is not null)
        {
            if (values.Length % columnScale.Length != 0)
                throw new ArgumentException($"{name} has {values.Length} elements; the column scale has {columnScale.Length}.", nameof(columnScale));
            for (int at = 0; at < values.Length; at += columnScale.Length)
                System.Numerics.Tensors.TensorPrimitives.Multiply(values.AsSpan(at, columnScale.Length), columnScale, values.AsSpan(at, columnScale.Length));
        }
        int overflow = HalfConversion.FromSingle(values, destination);
        if (overflow >= 0)
            throw new InvalidDataException($"{file.Path}: tensor \"{name}\" dequantized element {overflow} is beyond the FP16 range (|x| > 65504); this checkpoint cannot run in FP16.");
        RejectNonFinite(file, name, 0, destination);
    }

    /// <summary>Reads a packed projection's parts and dequantizes it into <paramref name="destination"/> [N, K].</summary>
    void Dequantize(string name, Span<float> destination)
    {
        var q = Config.Quantization!;
        var parts = new Dictionary<string, (SafeTensorsFile File, SafeTensorInfo Info)>();
        foreach (var field in new[] { PackedWeight.QWeight, PackedWeight.QZeros, PackedWeight.Scales, PackedWeight.GIdx })
            if (q.Method == PackedMethod.Gptq || field != PackedWeight.GIdx)
                parts[field] = Lookup(PackedWeight.PartName(name, field));
        var scalesInfo = parts[PackedWeight.Scales].Info;
        int n = (int)scalesInfo.Shape[1];
        int k = (int)(q.Method == PackedMethod.Gptq ? parts[PackedWeight.GIdx].Info.Shape[0] : parts[PackedWeight.QWeight].Info.Shape[0]);
        if ((long)n * k != destination.Length)
            throw new ArgumentException($"{name} has {(long)n * k} elements ([{n}, {k}]); the destination holds {destination.Length}.", nameof(destination));
        var scales = new float[scalesInfo.Elements];
        ReadAsSingle(PackedWeight.PartName(name, PackedWeight.Scales), scales);
        var gIdx = q.Method == PackedMethod.Gptq ? Ints(parts[PackedWeight.GIdx]) : [];
        if (q.Method == PackedMethod.Gptq) CheckGroups(name, gIdx, q.Groups(k));
        PackedWeight.Dequantize(q, n, k, Ints(parts[PackedWeight.QWeight]), Ints(parts[PackedWeight.QZeros]), scales, gIdx, destination);
    }

    /// <summary>How packed projection <paramref name="name"/> maps onto blocks of 32 (<see cref="PackedWeight.Layout"/>),
    /// or null when it cannot: then it is read dequantized.</summary>
    public PackedWeight.BlockLayout? PackedBlockLayout(string name)
    {
        var q = Config.Quantization!;
        var gIdx = q.Method == PackedMethod.Gptq ? Ints(Lookup(PackedWeight.PartName(name, PackedWeight.GIdx))) : null;
        int k = gIdx?.Length ?? (int)Info(PackedWeight.PartName(name, PackedWeight.QWeight)).Shape[0];
        if (gIdx is not null) CheckGroups(name, gIdx, q.Groups(k));
        return PackedWeight.Layout(k, PackedWeight.ColumnGroups(q, k, gIdx));
    }

    /// <summary>Packed projection <paramref name="name"/> as blocks of 32 (null when <see cref="PackedBlockLayout"/> is).</summary>
    public PackedBlocks? ReadPackedBlocks(string name)
    {
        if (PackedBlockLayout(name) is not { } layout) return null;
        var q = Config.Quantization!;
        var scalesName = PackedWeight.PartName(name, PackedWeight.Scales);
        var scalesInfo = Info(scalesName);
        var scales = new float[scalesInfo.Elements];
        ReadAsSingle(scalesName, scales);
        return new PackedBlocks(q, (int)scalesInfo.Shape[1], layout.BlockGroups.Length * 32, Ints(Lookup(PackedWeight.PartName(name, PackedWeight.QWeight))),
            Ints(Lookup(PackedWeight.PartName(name, PackedWeight.QZeros))), scales, layout.BlockGroups, layout.ColumnOrder);
    }

    void CheckGroups(string name, int[] gIdx, long groups)
    {
        int bad = Array.FindIndex(gIdx, g => (uint)g >= (ulong)groups);
        if (bad < 0) return;
        var (file, info) = Lookup(PackedWeight.PartName(name, PackedWeight.GIdx));
        throw new InvalidDataException($"{file.Path}: tensor \"{info.Name}\" element {bad} is {gIdx[bad]}, but \"{PackedWeight.PartName(name, PackedWeight.Scales)}\" has {groups} groups; the g_idx is damaged or does not belong to these scales.");
    }

    static int[] Ints((SafeTensorsFile File, SafeTensorInfo Info) t)
    {
        var values = new int[t.Info.Elements];
        MemoryMarshal.Cast<byte, int>(t.File.Bytes(t.Info, 0, checked((int)t.Info.ByteLength))).CopyTo(values);
        return values;
    }

    /// <summary>NaN or infinity in a weight makes every logit NaN downstream, silently: refused at load instead.
    /// Checked on the converted FP16 values, so one check covers every stored dtype (an overflow to infinity is
    /// reported before this, as such).</summary>
    static void RejectNonFinite(SafeTensorsFile file, string name, long start, ReadOnlySpan<Half> converted)
    {
        int bad = HalfConversion.FirstNonFinite(converted);
        if (bad >= 0) throw NonFinite(file, name, start + bad, converted[bad].ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    static InvalidDataException NonFinite(SafeTensorsFile file, string name, long element, string value) =>
        new($"{file.Path}: tensor \"{name}\" element {element} is {value}; weights must be finite numbers (the checkpoint is damaged or diverged in training).");

    static int CopyHalf(ReadOnlySpan<byte> bytes, Span<Half> dst)
    {
        MemoryMarshal.Cast<byte, Half>(bytes).CopyTo(dst);
        return -1;
    }

    /// <summary>The tensor, checked to have exactly <paramref name="destinationLength"/> elements.</summary>
    (SafeTensorsFile File, SafeTensorInfo Info) Lookup(string name, int destinationLength)
    {
        var (file, info) = Lookup(name);
        if (destinationLength != info.Elements)
            throw new ArgumentException($"{name} has {info.Elements} elements ({info.ShapeText}); the destination holds {destinationLength}.", "destination");
        return (file, info);
    }

    (SafeTensorsFile File, SafeTensorInfo Info) Lookup(string name) =>
        _tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"{Folder}: the checkpoint has no tensor \"{name}\".");

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
    }
}
