using System.Buffers.Binary;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Silk.NET.Vulkan;

namespace QwenVk.Runtime.Vulkan;

/// <summary>
/// The context's VkPipelineCache, through which every pipeline is created, and the file that carries it from one
/// process to the next so a new process does not compile the same pipelines again. The file's name holds the
/// vendor, device, driver version, pipelineCacheUUID and <see cref="ShaderLibrary.SetHash"/>, so another driver or
/// build never reads it. Its contents reach the driver only after a length, a SHA-256 and the driver's own
/// VkPipelineCacheHeaderVersionOne check out: a driver need not check more than that header, and damaged data past
/// it could crash one. Anything wrong with the file or the disk is logged and the context goes on without it.
/// </summary>
public sealed unsafe class PipelineCacheFile
{
    // Our header in front of the driver's data: magic (its last byte the format version), data length, SHA-256.
    static ReadOnlySpan<byte> Magic => "QwenVkP1"u8;
    internal const int PrefixBytes = 8 + 8 + 32;
    const int VulkanHeaderBytes = 32; // sizeof(VkPipelineCacheHeaderVersionOne)
    const uint HeaderVersionOne = 1; // VK_PIPELINE_CACHE_HEADER_VERSION_ONE
    const int UuidBytes = 16; // VK_UUID_SIZE

    readonly Vk _vk;
    readonly Device _device;
    readonly ILogger _log;
    readonly object _saveLock = new();
    readonly uint _vendor, _deviceId;
    readonly byte[] _uuid;
    byte[]? _onDisk; // the driver's data as the file holds it now (loaded or last written)
    int _created, _createdAtSave;
    long _createTicks;
    bool _writeFailed, _destroyed;

    /// <summary>The file read at start and written back; null when the cache is not kept between processes.</summary>
    public string? Path { get; }

    /// <summary>Bytes of the file's data handed to the driver as the cache's initial data (0: none was usable).</summary>
    public long LoadedBytes { get; }

    /// <summary>Pipelines created on this context, and the time spent in vkCreateComputePipelines for them: the
    /// compile time a warm cache saves (drivers that compile lazily, at first dispatch, spend it there instead).</summary>
    public int PipelinesCreated => Volatile.Read(ref _created);
    public TimeSpan CompileTime => TimeSpan.FromTicks(Interlocked.Read(ref _createTicks));

    internal Silk.NET.Vulkan.PipelineCache Handle { get; private set; }

    internal PipelineCacheFile(Vk vk, PhysicalDevice physicalDevice, Device device, string? folder, ILogger log)
    {
        _vk = vk;
        _device = device;
        _log = log;
        vk.GetPhysicalDeviceProperties(physicalDevice, out var props);
        _vendor = props.VendorID;
        _deviceId = props.DeviceID;
        _uuid = new ReadOnlySpan<byte>(props.PipelineCacheUuid, UuidBytes).ToArray();
        if (!string.IsNullOrEmpty(folder))
        {
            try
            {
                Path = System.IO.Path.Combine(System.IO.Path.GetFullPath(folder), FileName(props.VendorID, props.DeviceID, props.DriverVersion, _uuid));
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
            {
                _log.LogWarning("the pipeline cache folder '{Folder}' is not a usable path ({Reason}); pipelines will not be kept", folder, e.Message);
            }
        }

        var initial = Path is null ? null : Read(Path);
        Handle = Create(initial);
        if (Handle.Handle == 0 && initial is not null)
        {
            _log.LogInformation("the driver refused the pipeline cache in {Path}; starting an empty one (it will be replaced)", Path);
            initial = null;
            Handle = Create(null);
        }
        if (Handle.Handle == 0)
            _log.LogWarning("vkCreatePipelineCache failed; pipelines will be compiled without a cache");
        LoadedBytes = initial?.Length ?? 0;
        _onDisk = initial;
    }

    internal static string FileName(uint vendor, uint device, uint driverVersion, ReadOnlySpan<byte> uuid) =>
        $"{vendor:x4}-{device:x4}-{driverVersion:x8}-{Convert.ToHexStringLower(uuid)}-{ShaderLibrary.SetHash}.bin";

    Silk.NET.Vulkan.PipelineCache Create(byte[]? initial)
    {
        fixed (byte* p = initial)
        {
            var info = new PipelineCacheCreateInfo
            {
                SType = StructureType.PipelineCacheCreateInfo,
                InitialDataSize = (nuint)(initial?.Length ?? 0),
                PInitialData = p,
            };
            return _vk.CreatePipelineCache(_device, in info, null, out var cache) == Result.Success ? cache : default;
        }
    }

    /// <summary>The driver's data from the file, or null when there is no usable file (logged unless simply absent).</summary>
    byte[]? Read(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            _log.LogDebug("no pipeline cache at {Path} yet", path);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _log.LogWarning("could not read the pipeline cache {Path} ({Reason}); pipelines will be compiled", path, e.Message);
            return null;
        }
        if (Unwrap(bytes, _vendor, _deviceId, _uuid, out var data) is { } problem)
        {
            _log.LogInformation("ignoring the pipeline cache {Path}: {Problem}; it will be replaced", path, problem);
            return null;
        }
        _log.LogDebug("pipeline cache: {Bytes} bytes from {Path}", data.Length, path);
        return data;
    }

    /// <summary>Why <paramref name="file"/> is not a cache for this device, or null with the driver's data.</summary>
    internal static string? Unwrap(byte[] file, uint vendor, uint device, ReadOnlySpan<byte> uuid, out byte[] data)
    {
        data = [];
        if (file.Length < PrefixBytes)
            return $"it has {file.Length} bytes, fewer than its own header (truncated)";
        if (!file.AsSpan(0, 8).SequenceEqual(Magic))
            return "it is not a QwenVk pipeline cache of this format";
        ulong declared = BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(8));
        if (declared != (ulong)(file.Length - PrefixBytes))
            return $"its header says {declared} bytes of data and it holds {file.Length - PrefixBytes} (truncated or damaged)";
        var body = file.AsSpan(PrefixBytes);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(file.AsSpan(16, 32)))
            return "its checksum does not match (damaged)";
        if (CheckVulkanHeader(body, vendor, device, uuid) is { } problem)
            return problem;
        data = body.ToArray();
        return null;
    }

    /// <summary>Why the driver's data is not for this device and driver build (VkPipelineCacheHeaderVersionOne,
    /// least significant byte first whatever the host), or null.</summary>
    internal static string? CheckVulkanHeader(ReadOnlySpan<byte> data, uint vendor, uint device, ReadOnlySpan<byte> uuid)
    {
        if (data.Length < VulkanHeaderBytes)
            return $"the driver's data has {data.Length} bytes, fewer than a Vulkan pipeline cache header";
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(data);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(data[4..]);
        uint fileVendor = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
        uint fileDevice = BinaryPrimitives.ReadUInt32LittleEndian(data[12..]);
        if (headerSize < VulkanHeaderBytes || headerSize > data.Length)
            return $"its Vulkan header claims {headerSize} bytes";
        if (version != HeaderVersionOne)
            return $"its Vulkan header version is {version}, not 1";
        if (fileVendor != vendor || fileDevice != device)
            return $"it was made for device {fileVendor:x4}:{fileDevice:x4}, not {vendor:x4}:{device:x4}";
        if (!data.Slice(16, UuidBytes).SequenceEqual(uuid))
            return "it was made by another driver build (pipelineCacheUUID differs)";
        return null;
    }

    /// <summary>Our header in front of the driver's data.</summary>
    internal static byte[] Wrap(ReadOnlySpan<byte> data)
    {
        var file = new byte[PrefixBytes + data.Length];
        Magic.CopyTo(file);
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(8), (ulong)data.Length);
        SHA256.HashData(data, file.AsSpan(16, 32));
        data.CopyTo(file.AsSpan(PrefixBytes));
        return file;
    }

    internal void Created(TimeSpan took)
    {
        Interlocked.Increment(ref _created);
        Interlocked.Add(ref _createTicks, took.Ticks);
    }

    /// <summary>Writes the cache to <see cref="Path"/> if pipelines were created since the last write and the
    /// driver's data changed. The context calls it after each graph's pipelines are created and on Dispose; a host
    /// may call it whenever it likes. Of several processes the last to write wins (no merging). No fsync: a file
    /// torn by a power cut fails the length or checksum check and is replaced.</summary>
    public void Save()
    {
        lock (_saveLock)
        {
            int created = PipelinesCreated;
            if (Path is null || _writeFailed || _destroyed || Handle.Handle == 0 || created == _createdAtSave) return;
            var data = DriverData();
            if (data is null) return; // tried again at the next save
            _createdAtSave = created;
            if (_onDisk is not null && data.AsSpan().SequenceEqual(_onDisk)) return;
            try
            {
                WriteAtomically(Path, Wrap(data));
                _onDisk = data;
                _log.LogDebug("pipeline cache: wrote {Bytes} bytes to {Path}", data.Length, Path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Once is enough: the disk will not have changed its mind by the next graph.
                _writeFailed = true;
                _log.LogWarning("could not write the pipeline cache {Path} ({Reason}); the next run will compile its pipelines again", Path, e.Message);
            }
        }
    }

    /// <summary>A temporary file in the same folder renamed over <paramref name="path"/>: readers see the old
    /// contents or the new, whole.</summary>
    internal static void WriteAtomically(string path, byte[] contents)
    {
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var temp = $"{path}.{Environment.ProcessId}-{Guid.NewGuid():N}.tmp";
        try
        {
            File.WriteAllBytes(temp, contents);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }
    }

    byte[]? DriverData()
    {
        nuint size = 0;
        if (_vk.GetPipelineCacheData(_device, Handle, &size, null) != Result.Success || size < VulkanHeaderBytes) return null;
        var data = new byte[size];
        fixed (byte* p = data)
        {
            // Incomplete: a pipeline created on another thread since the size query; the next save takes it.
            if (_vk.GetPipelineCacheData(_device, Handle, &size, p) != Result.Success) return null;
        }
        return size == (nuint)data.Length ? data : data[..(int)size];
    }

    /// <summary>Saves, then destroys the VkPipelineCache; the context calls it before destroying the device.</summary>
    internal void Destroy()
    {
        Save();
        lock (_saveLock)
        {
            if (_destroyed) return;
            _destroyed = true;
            if (Handle.Handle != 0) _vk.DestroyPipelineCache(_device, Handle, null);
            Handle = default;
        }
    }
}
