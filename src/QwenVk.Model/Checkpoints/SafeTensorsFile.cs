using System.IO.MemoryMappedFiles;
using System.Text.Json;

namespace QwenVk.Model.Checkpoints;

/// <summary>A memory-mapped .safetensors file: 8-byte little-endian header length, a JSON header naming each
/// tensor's dtype, shape and data_offsets, then the raw data. Everything in the header is checked on open, so a
/// damaged or truncated file fails with a message naming the file and tensor instead of producing garbage.</summary>
public sealed unsafe class SafeTensorsFile : IDisposable
{
    /// <summary>Hugging Face's own reader refuses larger headers; a bigger number means a damaged file.</summary>
    const long MaxHeaderBytes = 100L * 1024 * 1024;

    readonly MemoryMappedFile? _map;
    readonly MemoryMappedViewAccessor? _view;
    readonly byte* _base;
    readonly long _dataStart;
    bool _disposed;

    public string Path { get; }
    public IReadOnlyList<SafeTensorInfo> Tensors { get; }
    readonly Dictionary<string, SafeTensorInfo> _byName;

    SafeTensorsFile(string path, List<SafeTensorInfo> tensors, long dataStart, MemoryMappedFile? map, MemoryMappedViewAccessor? view)
    {
        Path = path;
        Tensors = tensors;
        _byName = tensors.ToDictionary(t => t.Name);
        _dataStart = dataStart;
        _map = map;
        _view = view;
        if (view is not null)
        {
            byte* p = null;
            view.SafeMemoryMappedViewHandle.AcquirePointer(ref p);
            _base = p + view.PointerOffset;
        }
    }

    public bool Contains(string name) => _byName.ContainsKey(name);

    public SafeTensorInfo this[string name] => _byName.TryGetValue(name, out var t)
        ? t
        : throw new KeyNotFoundException($"{Path}: no tensor named \"{name}\".");

    public static SafeTensorsFile Open(string path)
    {
        long length;
        byte[] header;
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            length = fs.Length;
            if (length < 8)
                throw new InvalidDataException($"{path}: the file is {length} bytes, shorter than the 8-byte header length that starts every safetensors file; it is truncated (re-download it).");
            Span<byte> lenBytes = stackalloc byte[8];
            fs.ReadExactly(lenBytes);
            ulong headerLength = BitConverter.ToUInt64(lenBytes);
            if (headerLength > MaxHeaderBytes)
                throw new InvalidDataException($"{path}: the header length field says {headerLength} bytes, over the {MaxHeaderBytes}-byte limit safetensors readers accept; the file is damaged or not a safetensors file (re-download it).");
            if (headerLength > (ulong)(length - 8))
                throw new InvalidDataException($"{path}: the header length field says {headerLength} bytes, but only {length - 8} bytes follow it; the file is truncated or not a safetensors file (re-download it).");
            header = new byte[headerLength];
            fs.ReadExactly(header);
        }
        long dataStart = 8 + header.Length;
        var tensors = SafeTensorsHeader.Parse(path, header, length - dataStart);

        if (length == dataStart) return new SafeTensorsFile(path, tensors, dataStart, null, null);
        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        try
        {
            var view = map.CreateViewAccessor(0, length, MemoryMappedFileAccess.Read);
            return new SafeTensorsFile(path, tensors, dataStart, map, view);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>The raw bytes of part of a tensor, straight from the mapping (no copy). At most int.MaxValue bytes
    /// per call: read large tensors in chunks.</summary>
    public ReadOnlySpan<byte> Bytes(SafeTensorInfo tensor, long byteOffset, int byteCount)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_byName.TryGetValue(tensor.Name, out var own) || !ReferenceEquals(own, tensor))
            throw new ArgumentException($"tensor {tensor.Name} does not belong to {Path}", nameof(tensor));
        if (byteOffset < 0 || byteCount < 0 || byteOffset + byteCount > tensor.ByteLength)
            throw new ArgumentOutOfRangeException(nameof(byteOffset), $"[{byteOffset}, +{byteCount}) is outside tensor {tensor.Name} ({tensor.ByteLength} bytes)");
        if (byteCount == 0) return [];
        return new ReadOnlySpan<byte>(_base + _dataStart + tensor.Begin + byteOffset, byteCount);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }
}

/// <summary>Parses and validates a safetensors JSON header against the size of the data section.</summary>
static class SafeTensorsHeader
{
    public static List<SafeTensorInfo> Parse(string path, byte[] header, long dataLength)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header); }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: the header is not valid JSON ({e.Message}); the file is damaged or not a safetensors file (re-download it).", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: the header is a JSON {doc.RootElement.ValueKind}, expected an object of tensors.");
            var list = new List<SafeTensorInfo>();
            int index = 0;
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                string name;
                // The reader checks JSON syntax, not that a name decodes: invalid UTF-8 or a lone surrogate escape
                // (\ud800) throws only when the name is read.
                try { name = p.Name; }
                catch (InvalidOperationException)
                {
                    throw new InvalidDataException($"{path}: header entry #{index} has a name that is not valid UTF-8 text; the header is damaged (re-download the file).");
                }
                index++;
                if (name == "__metadata__") continue;
                list.Add(ParseTensor(path, name, p.Value, dataLength));
            }
            CheckNoOverlap(path, list);
            return list;
        }
    }

    static SafeTensorInfo ParseTensor(string path, string name, JsonElement e, long dataLength)
    {
        InvalidDataException Bad(string what) => new($"{path}: tensor \"{name}\": {what}");
        if (e.ValueKind != JsonValueKind.Object) throw Bad($"header entry is {e.GetRawText()}, expected an object with dtype, shape and data_offsets.");

        string? dtypeText = e.TryGetProperty("dtype", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null;
        if (dtypeText is null) throw Bad("has no dtype string.");
        SafeTensorsDType dtype = dtypeText switch
        {
            "BF16" => SafeTensorsDType.BF16,
            "F16" => SafeTensorsDType.F16,
            "F32" => SafeTensorsDType.F32,
            "I32" => SafeTensorsDType.I32,
            _ => throw Bad($"dtype \"{dtypeText}\" is not supported (supported: BF16, F16, F32, and I32 for GPTQ/AWQ packed tensors); convert the checkpoint to one of them (e.g. save it with torch_dtype=bfloat16)."),
        };

        if (!e.TryGetProperty("shape", out var s) || s.ValueKind != JsonValueKind.Array)
            throw Bad("has no shape list.");
        var shape = new long[s.GetArrayLength()];
        int k = 0;
        foreach (var dim in s.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long v) || v < 0)
                throw Bad($"shape {s.GetRawText()} has an entry that is not a non-negative integer.");
            shape[k++] = v;
        }

        if (!e.TryGetProperty("data_offsets", out var o) || o.ValueKind != JsonValueKind.Array || o.GetArrayLength() != 2)
            throw Bad("has no data_offsets [begin, end] pair.");
        var offs = o.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt64(out long v) ? v : -1).ToArray();
        long begin = offs[0], end = offs[1];
        if (begin < 0 || end < begin)
            throw Bad($"data_offsets {o.GetRawText()} are out of range (need 0 <= begin <= end); the header is damaged (re-download the file).");

        var info = new SafeTensorInfo(name, dtype, shape, begin, end);
        long expected;
        try { expected = checked(info.Elements * SafeTensorInfo.ElementSize(dtype)); }
        catch (OverflowException) { throw Bad($"shape {info.ShapeText} is too large."); }
        if (end - begin != expected)
            throw Bad($"data_offsets {o.GetRawText()} cover {end - begin} bytes, but {dtypeText} x {info.ShapeText} needs {expected}; the header is inconsistent (re-export the checkpoint).");
        if (end > dataLength)
            throw Bad($"data ends at byte {end} of the data section, but the file holds only {dataLength} data bytes; the file is truncated (re-download it).");
        return info;
    }

    static void CheckNoOverlap(string path, List<SafeTensorInfo> tensors)
    {
        var sorted = tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.Begin).ToList();
        for (int i = 1; i < sorted.Count; i++)
        {
            var a = sorted[i - 1];
            var b = sorted[i];
            if (b.Begin < a.End)
                throw new InvalidDataException($"{path}: tensor \"{b.Name}\" data_offsets [{b.Begin}, {b.End}] overlap tensor \"{a.Name}\" [{a.Begin}, {a.End}]; the header is damaged (re-download or re-export the file).");
        }
    }
}
