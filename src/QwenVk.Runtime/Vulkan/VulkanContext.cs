using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Silk.NET.Core;
using Silk.NET.Core.Native;
using Silk.NET.Vulkan;

namespace QwenVk.Runtime.Vulkan;

/// <summary>
/// The Vulkan instance, device and compute queue the runtime works on. Own mode (<see cref="Create"/>) creates and
/// destroys them; adopt mode (<see cref="Adopt"/>) runs on a host application's objects and never destroys them.
/// Either way the context owns its command pool, pipelines and buffers, and releases them on Dispose.
/// </summary>
public sealed unsafe partial class VulkanContext : IDisposable
{
    public Vk Vk { get; }
    public Instance Instance { get; }
    public PhysicalDevice PhysicalDevice { get; }
    public Device Device { get; }
    public Queue Queue { get; }
    public uint QueueFamily { get; }
    public DeviceCapabilities Capabilities { get; }
    public ValidationLog Validation { get; } = new();
    public bool OwnsDevice { get; }
    /// <summary>See <see cref="ContextOptions.ForceStaging"/>.</summary>
    public bool ForceStaging { get; private init; }
    /// <summary>The VkPipelineCache every pipeline goes through, and where it is kept between processes.</summary>
    public PipelineCacheFile PipelineCache { get; }

    internal PhysicalDeviceMemoryProperties MemoryProperties;
    internal CommandPool CommandPool;
    readonly DebugUtilsMessengerEXT _messenger;
    readonly GCHandle _selfHandle;
    readonly ILogger _log;
    readonly object _queueLock = new();
    readonly List<IDisposable> _owned = new();
    bool _disposed;

    public const string ValidationLayerName = "VK_LAYER_KHRONOS_validation";

    VulkanContext(Vk vk, Instance instance, PhysicalDevice pd, Device device, Queue queue, uint family,
        DeviceCapabilities caps, bool owns, DebugUtilsMessengerEXT messenger, GCHandle self, ILogger log, string? pipelineCacheFolder)
    {
        Vk = vk; Instance = instance; PhysicalDevice = pd; Device = device; Queue = queue; QueueFamily = family;
        Capabilities = caps; OwnsDevice = owns; _messenger = messenger; _selfHandle = self; _log = log;
        vk.GetPhysicalDeviceMemoryProperties(pd, out MemoryProperties);
        PipelineCache = new PipelineCacheFile(vk, pd, device, pipelineCacheFolder, log);
        var poolInfo = new CommandPoolCreateInfo
        {
            SType = StructureType.CommandPoolCreateInfo,
            Flags = CommandPoolCreateFlags.ResetCommandBufferBit,
            QueueFamilyIndex = family,
        };
        VulkanException.Check(vk.CreateCommandPool(device, in poolInfo, null, out CommandPool), "vkCreateCommandPool");
    }

    internal ILogger Logger => _log;

    // ---------------------------------------------------------------- own mode

    /// <summary>Creates an instance and a device of its own (own mode).</summary>
    public static VulkanContext Create(ContextOptions? options = null)
    {
        options ??= new ContextOptions();
        var log = options.Logger ?? NullLogger.Instance;
        bool validation = options.Validation ?? ContextOptions.ValidationFromEnvironment;
        var vk = LoadApi();
        var holder = new MessengerTarget();
        var self = GCHandle.Alloc(holder);
        Instance instance = default;
        DebugUtilsMessengerEXT messenger = default;
        Device device = default;
        try
        {
            instance = CreateInstance(vk, validation);
            if (validation) messenger = CreateMessenger(vk, instance, self);
            var devices = EnumerateDevices(vk, instance);
            var chosen = ChooseDevice(devices, options.Device ?? Environment.GetEnvironmentVariable("QWENVK_DEVICE"), log);
            var caps = chosen.Caps;
            if (!caps.Supported)
                throw new VulkanException($"device '{caps.Name}' lacks what QwenVk's kernels need: {caps.MissingFeatures()}. Choose another device (ContextOptions.Device or QWENVK_DEVICE).");
            uint family = FindComputeQueueFamily(vk, chosen.Handle)
                ?? throw new VulkanException($"device '{caps.Name}' has no compute queue.");
            device = CreateDevice(vk, chosen.Handle, family);
            vk.GetDeviceQueue(device, family, 0, out var queue);
            var ctx = new VulkanContext(vk, instance, chosen.Handle, device, queue, family, caps, true, messenger, self, log,
                options.ResolvedPipelineCacheFolder)
            {
                ForceStaging = options.ForceStaging,
            };
            holder.Log = ctx.Validation;
            return ctx;
        }
        catch
        {
            if (device.Handle != 0) vk.DestroyDevice(device, null);
            if (messenger.Handle != 0) DestroyMessenger(vk, instance, messenger);
            if (instance.Handle != 0) vk.DestroyInstance(instance, null);
            self.Free();
            vk.Dispose();
            throw;
        }
    }

    /// <summary>Runs on a host application's Vulkan objects (adopt mode). The device must have been created with
    /// shaderFloat16 and storageBuffer16BitAccess enabled; the context never destroys what it was given.
    /// The host must not use <paramref name="queue"/> from another thread while the runtime submits to it.
    /// <paramref name="pipelineCacheFolder"/>: where to keep compiled pipelines between runs; null (the default)
    /// keeps none, since a host decides what its process writes to the user's disk
    /// (<see cref="ContextOptions.DefaultPipelineCacheFolder"/> is the folder an owned context would use).</summary>
    public static VulkanContext Adopt(Instance instance, PhysicalDevice physicalDevice, Device device, Queue queue,
        uint queueFamily, ILogger? logger = null, string? pipelineCacheFolder = null)
    {
        var vk = LoadApi();
        var caps = Probe(vk, physicalDevice, 0);
        if (!caps.Supported)
            throw new VulkanException($"adopted device '{caps.Name}' lacks what QwenVk's kernels need: {caps.MissingFeatures()}.");
        return new VulkanContext(vk, instance, physicalDevice, device, queue, queueFamily, caps, false, default, default,
            logger ?? NullLogger.Instance, pipelineCacheFolder);
    }

    static Vk LoadApi()
    {
        try
        {
            return Vk.GetApi();
        }
        catch (Exception e) when (e is FileNotFoundException or DllNotFoundException or TypeInitializationException or InvalidOperationException)
        {
            throw new VulkanException("the Vulkan loader (libvulkan.so.1) could not be loaded. Install it: 'sudo apt-get install libvulkan1 mesa-vulkan-drivers' on Debian/Ubuntu, or your GPU vendor's driver. (" + e.Message + ")");
        }
    }

    /// <summary>Lists every physical device with its capabilities (creates and destroys a throwaway instance).</summary>
    public static IReadOnlyList<DeviceCapabilities> ListDevices()
    {
        using var vk = LoadApi();
        var instance = CreateInstance(vk, validation: false);
        try
        {
            return EnumerateDevices(vk, instance).Select(d => d.Caps).ToList();
        }
        finally
        {
            vk.DestroyInstance(instance, null);
        }
    }

    static Instance CreateInstance(Vk vk, bool validation)
    {
        var appName = SilkMarshal.StringToPtr("QwenVk");
        var layers = validation ? new[] { ValidationLayerName } : Array.Empty<string>();
        var extensions = validation ? new[] { "VK_EXT_debug_utils" } : Array.Empty<string>();
        if (validation && !LayerAvailable(vk, ValidationLayerName))
            throw new VulkanException($"validation was asked for but {ValidationLayerName} is not installed: 'sudo apt-get install vulkan-validationlayers', or unset QWENVK_VALIDATION.");
        var layerPtrs = (byte**)SilkMarshal.StringArrayToPtr(layers);
        var extPtrs = (byte**)SilkMarshal.StringArrayToPtr(extensions);
        try
        {
            var app = new ApplicationInfo
            {
                SType = StructureType.ApplicationInfo,
                PApplicationName = (byte*)appName,
                PEngineName = (byte*)appName,
                ApiVersion = Vk.Version12,
            };
            var info = new InstanceCreateInfo
            {
                SType = StructureType.InstanceCreateInfo,
                PApplicationInfo = &app,
                EnabledLayerCount = (uint)layers.Length,
                PpEnabledLayerNames = layerPtrs,
                EnabledExtensionCount = (uint)extensions.Length,
                PpEnabledExtensionNames = extPtrs,
            };
            var r = vk.CreateInstance(in info, null, out var instance);
            if (r == Result.ErrorIncompatibleDriver)
                throw new VulkanException("vkCreateInstance", r,
                    "no Vulkan driver was found. Install one (Debian: 'sudo apt-get install mesa-vulkan-drivers' for the CPU driver lavapipe, or your GPU vendor's driver), and check that VK_ICD_FILENAMES, if set, names an existing ICD json file"
                    + (Environment.GetEnvironmentVariable("VK_ICD_FILENAMES") is { } icd ? $" (it is '{icd}')" : ""));
            VulkanException.Check(r, "vkCreateInstance");
            return instance;
        }
        finally
        {
            SilkMarshal.Free(appName);
            SilkMarshal.Free((nint)layerPtrs);
            SilkMarshal.Free((nint)extPtrs);
        }
    }

    static bool LayerAvailable(Vk vk, string name)
    {
        uint count = 0;
        vk.EnumerateInstanceLayerProperties(ref count, null);
        var props = new LayerProperties[count];
        fixed (LayerProperties* p = props) vk.EnumerateInstanceLayerProperties(ref count, p);
        foreach (var l in props)
            if (SilkMarshal.PtrToString((nint)l.LayerName) == name) return true;
        return false;
    }

    // ---------------------------------------------------------------- validation messages

    sealed class MessengerTarget { public ValidationLog? Log; public readonly List<string> Early = new(); }

    static DebugUtilsMessengerEXT CreateMessenger(Vk vk, Instance instance, GCHandle self)
    {
        var fn = (delegate* unmanaged<Instance, DebugUtilsMessengerCreateInfoEXT*, AllocationCallbacks*, DebugUtilsMessengerEXT*, Result>)
            vk.GetInstanceProcAddr(instance, "vkCreateDebugUtilsMessengerEXT").Handle;
        if (fn == null) throw new VulkanException("vkCreateDebugUtilsMessengerEXT is not available although validation was enabled.");
        var info = new DebugUtilsMessengerCreateInfoEXT
        {
            SType = StructureType.DebugUtilsMessengerCreateInfoExt,
            MessageSeverity = DebugUtilsMessageSeverityFlagsEXT.WarningBitExt | DebugUtilsMessageSeverityFlagsEXT.ErrorBitExt,
            MessageType = DebugUtilsMessageTypeFlagsEXT.GeneralBitExt | DebugUtilsMessageTypeFlagsEXT.ValidationBitExt | DebugUtilsMessageTypeFlagsEXT.PerformanceBitExt,
            PfnUserCallback = (PfnDebugUtilsMessengerCallbackEXT)(delegate* unmanaged[Cdecl]<DebugUtilsMessageSeverityFlagsEXT, DebugUtilsMessageTypeFlagsEXT, DebugUtilsMessengerCallbackDataEXT*, void*, Bool32>)&OnValidationMessage,
            PUserData = (void*)GCHandle.ToIntPtr(self),
        };
        DebugUtilsMessengerEXT messenger;
        VulkanException.Check(fn(instance, &info, null, &messenger), "vkCreateDebugUtilsMessengerEXT");
        return messenger;
    }

    static void DestroyMessenger(Vk vk, Instance instance, DebugUtilsMessengerEXT messenger)
    {
        var fn = (delegate* unmanaged<Instance, DebugUtilsMessengerEXT, AllocationCallbacks*, void>)
            vk.GetInstanceProcAddr(instance, "vkDestroyDebugUtilsMessengerEXT").Handle;
        if (fn != null) fn(instance, messenger, null);
    }

    [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
    static Bool32 OnValidationMessage(DebugUtilsMessageSeverityFlagsEXT severity, DebugUtilsMessageTypeFlagsEXT types,
        DebugUtilsMessengerCallbackDataEXT* data, void* user)
    {
        var text = SilkMarshal.PtrToString((nint)data->PMessage) ?? "";
        // The layer's own start-up notice ("Current Enables: ...") is information, not a finding.
        if (text.Contains("Current Enables") || text.Contains("VALIDATION_CACHE")) return false;
        var target = (MessengerTarget)GCHandle.FromIntPtr((nint)user).Target!;
        var line = $"[{severity}] {text}";
        if (target.Log is { } log) log.Add(line); else lock (target.Early) target.Early.Add(line);
        return false;
    }

    // ---------------------------------------------------------------- device choice

    internal readonly record struct Candidate(PhysicalDevice Handle, DeviceCapabilities Caps);

    static List<Candidate> EnumerateDevices(Vk vk, Instance instance)
    {
        uint count = 0;
        VulkanException.Check(vk.EnumeratePhysicalDevices(instance, ref count, null), "vkEnumeratePhysicalDevices");
        if (count == 0)
            throw new VulkanException("vkEnumeratePhysicalDevices found no Vulkan device. Install a driver (Debian: 'sudo apt-get install mesa-vulkan-drivers' gives the CPU driver lavapipe) and check VK_ICD_FILENAMES.");
        var handles = new PhysicalDevice[count];
        fixed (PhysicalDevice* p = handles)
            VulkanException.Check(vk.EnumeratePhysicalDevices(instance, ref count, p), "vkEnumeratePhysicalDevices");
        return handles.Select((h, i) => new Candidate(h, Probe(vk, h, i))).ToList();
    }

    internal static Candidate ChooseDevice(List<Candidate> devices, string? wanted, ILogger log)
    {
        if (!string.IsNullOrWhiteSpace(wanted))
        {
            if (int.TryParse(wanted, out int index))
            {
                if (index < 0 || index >= devices.Count)
                    throw new VulkanException($"device index {index} is out of range: there are {devices.Count} devices (indices 0..{devices.Count - 1}).");
                return devices[index];
            }
            var match = devices.Where(d => d.Caps.Name.Contains(wanted, StringComparison.OrdinalIgnoreCase)).ToList();
            if (match.Count == 0)
                throw new VulkanException($"no device name contains '{wanted}'. Devices: {string.Join(", ", devices.Select(d => $"{d.Caps.Index}: {d.Caps.Name}"))}.");
            return match[0];
        }
        static int Rank(DeviceKind k) => k switch
        {
            DeviceKind.DiscreteGpu => 0,
            DeviceKind.IntegratedGpu => 1,
            DeviceKind.VirtualGpu => 2,
            DeviceKind.Cpu => 3,
            _ => 4,
        };
        var best = devices.OrderBy(d => d.Caps.Supported ? 0 : 1).ThenBy(d => Rank(d.Caps.Kind)).ThenBy(d => d.Caps.Index).First();
        if (best.Caps.Kind == DeviceKind.Cpu)
            log.LogWarning("no GPU found; using the CPU Vulkan driver '{Driver}'. It is correct but slow.", best.Caps.Name);
        return best;
    }

    static uint? FindComputeQueueFamily(Vk vk, PhysicalDevice pd)
    {
        uint count = 0;
        vk.GetPhysicalDeviceQueueFamilyProperties(pd, ref count, null);
        var families = new QueueFamilyProperties[count];
        fixed (QueueFamilyProperties* p = families) vk.GetPhysicalDeviceQueueFamilyProperties(pd, ref count, p);
        uint? any = null;
        for (uint i = 0; i < count; i++)
        {
            if ((families[i].QueueFlags & QueueFlags.ComputeBit) == 0) continue;
            any ??= i;
            // Timestamps are valid on the family? Prefer one that has them.
            if (families[i].TimestampValidBits > 0) return i;
        }
        return any;
    }

    static Device CreateDevice(Vk vk, PhysicalDevice pd, uint family)
    {
        float priority = 1f;
        var queueInfo = new DeviceQueueCreateInfo
        {
            SType = StructureType.DeviceQueueCreateInfo,
            QueueFamilyIndex = family,
            QueueCount = 1,
            PQueuePriorities = &priority,
        };
        var f12 = new PhysicalDeviceVulkan12Features
        {
            SType = StructureType.PhysicalDeviceVulkan12Features,
            ShaderFloat16 = true,
        };
        var f11 = new PhysicalDeviceVulkan11Features
        {
            SType = StructureType.PhysicalDeviceVulkan11Features,
            PNext = &f12,
            StorageBuffer16BitAccess = true,
        };
        var info = new DeviceCreateInfo
        {
            SType = StructureType.DeviceCreateInfo,
            PNext = &f11,
            QueueCreateInfoCount = 1,
            PQueueCreateInfos = &queueInfo,
        };
        VulkanException.Check(vk.CreateDevice(pd, in info, null, out var device), "vkCreateDevice");
        return device;
    }

    // ---------------------------------------------------------------- capability probe

    internal static DeviceCapabilities Probe(Vk vk, PhysicalDevice pd, int index)
    {
        var subgroup = new PhysicalDeviceSubgroupProperties { SType = StructureType.PhysicalDeviceSubgroupProperties };
        var sizeControl = new PhysicalDeviceSubgroupSizeControlProperties
        {
            SType = StructureType.PhysicalDeviceSubgroupSizeControlProperties,
            PNext = &subgroup,
        };
        var maint3 = new PhysicalDeviceMaintenance3Properties
        {
            SType = StructureType.PhysicalDeviceMaintenance3Properties,
            PNext = &sizeControl,
        };
        var props2 = new PhysicalDeviceProperties2 { SType = StructureType.PhysicalDeviceProperties2, PNext = &maint3 };
        vk.GetPhysicalDeviceProperties2(pd, &props2);
        var p = props2.Properties;

        var f12 = new PhysicalDeviceVulkan12Features { SType = StructureType.PhysicalDeviceVulkan12Features };
        var f11 = new PhysicalDeviceVulkan11Features { SType = StructureType.PhysicalDeviceVulkan11Features, PNext = &f12 };
        var features2 = new PhysicalDeviceFeatures2 { SType = StructureType.PhysicalDeviceFeatures2, PNext = &f11 };
        bool v12 = p.ApiVersion >= Vk.Version12;
        if (v12) vk.GetPhysicalDeviceFeatures2(pd, &features2);

        var extensions = DeviceExtensions(vk, pd);
        bool sizeControlAvailable = p.ApiVersion >= Vk.Version13 || extensions.Contains("VK_EXT_subgroup_size_control");

        vk.GetPhysicalDeviceMemoryProperties(pd, out var mem);
        ulong deviceLocal = 0;
        int largestLocalHeap = -1;
        for (int h = 0; h < mem.MemoryHeapCount; h++)
        {
            var heap = mem.MemoryHeaps[h];
            if ((heap.Flags & MemoryHeapFlags.DeviceLocalBit) != 0 && heap.Size > deviceLocal)
            {
                deviceLocal = heap.Size;
                largestLocalHeap = h;
            }
        }
        bool unified = false;
        var types = new List<string>();
        for (int t = 0; t < mem.MemoryTypeCount; t++)
        {
            var mt = mem.MemoryTypes[t];
            types.Add($"heap {mt.HeapIndex}: {mt.PropertyFlags}");
            var both = MemoryPropertyFlags.DeviceLocalBit | MemoryPropertyFlags.HostVisibleBit;
            if ((mt.PropertyFlags & both) == both && mt.HeapIndex == largestLocalHeap) unified = true;
        }

        var ops = new List<string>();
        var so = subgroup.SupportedOperations;
        if ((so & SubgroupFeatureFlags.BasicBit) != 0) ops.Add("basic");
        if ((so & SubgroupFeatureFlags.VoteBit) != 0) ops.Add("vote");
        if ((so & SubgroupFeatureFlags.ArithmeticBit) != 0) ops.Add("arithmetic");
        if ((so & SubgroupFeatureFlags.BallotBit) != 0) ops.Add("ballot");
        if ((so & SubgroupFeatureFlags.ShuffleBit) != 0) ops.Add("shuffle");
        if ((so & SubgroupFeatureFlags.ShuffleRelativeBit) != 0) ops.Add("shuffle_relative");
        if ((so & SubgroupFeatureFlags.ClusteredBit) != 0) ops.Add("clustered");
        if ((so & SubgroupFeatureFlags.QuadBit) != 0) ops.Add("quad");

        return new DeviceCapabilities
        {
            Index = index,
            Name = SilkMarshal.PtrToString((nint)p.DeviceName) ?? "?",
            Kind = p.DeviceType switch
            {
                PhysicalDeviceType.DiscreteGpu => DeviceKind.DiscreteGpu,
                PhysicalDeviceType.IntegratedGpu => DeviceKind.IntegratedGpu,
                PhysicalDeviceType.VirtualGpu => DeviceKind.VirtualGpu,
                PhysicalDeviceType.Cpu => DeviceKind.Cpu,
                _ => DeviceKind.Other,
            },
            VendorId = $"0x{p.VendorID:x4}",
            DriverVersion = $"0x{p.DriverVersion:x8}",
            ApiVersion = $"{p.ApiVersion >> 22}.{(p.ApiVersion >> 12) & 0x3ff}.{p.ApiVersion & 0xfff}",
            ShaderFloat16 = v12 && f12.ShaderFloat16,
            StorageBuffer16BitAccess = v12 && f11.StorageBuffer16BitAccess,
            ShaderInt8 = v12 && f12.ShaderInt8,
            SubgroupSize = subgroup.SubgroupSize,
            MinSubgroupSize = sizeControlAvailable && sizeControl.MinSubgroupSize > 0 ? sizeControl.MinSubgroupSize : subgroup.SubgroupSize,
            MaxSubgroupSize = sizeControlAvailable && sizeControl.MaxSubgroupSize > 0 ? sizeControl.MaxSubgroupSize : subgroup.SubgroupSize,
            SubgroupSizeControl = sizeControlAvailable,
            SubgroupOperations = ops.ToArray(),
            SubgroupInCompute = (subgroup.SupportedStages & ShaderStageFlags.ComputeBit) != 0,
            CooperativeMatrix = extensions.Contains("VK_KHR_cooperative_matrix"),
            MaxStorageBufferRange = p.Limits.MaxStorageBufferRange,
            MaxMemoryAllocationSize = maint3.MaxMemoryAllocationSize,
            MinStorageBufferOffsetAlignment = p.Limits.MinStorageBufferOffsetAlignment,
            MinTexelBufferOffsetAlignment = p.Limits.MinTexelBufferOffsetAlignment,
            MaxTexelBufferElements = p.Limits.MaxTexelBufferElements,
            TexelLoads = ChooseTexelLoads(p.DeviceType == PhysicalDeviceType.Cpu, p.Limits.MinStorageBufferOffsetAlignment,
                p.Limits.MinTexelBufferOffsetAlignment, p.Limits.MaxTexelBufferElements, p.Limits.MaxStorageBufferRange),
            MaxComputeSharedMemorySize = p.Limits.MaxComputeSharedMemorySize,
            MaxComputeWorkGroupInvocations = p.Limits.MaxComputeWorkGroupInvocations,
            MaxComputeWorkGroupCount = new[] { p.Limits.MaxComputeWorkGroupCount[0], p.Limits.MaxComputeWorkGroupCount[1], p.Limits.MaxComputeWorkGroupCount[2] },
            MaxPushConstantsSize = p.Limits.MaxPushConstantsSize,
            TimestampPeriodNs = p.Limits.TimestampPeriod,
            TimestampsSupported = p.Limits.TimestampComputeAndGraphics,
            UnifiedMemory = unified,
            DeviceLocalBytes = deviceLocal,
            MemoryTypes = types.ToArray(),
        };
    }

    static bool ChooseTexelLoads(bool cpu, ulong storageAlign, ulong texelAlign, uint maxTexels, uint maxStorageRange)
    {
        bool possible = texelAlign <= storageAlign && (ulong)maxTexels * DescriptorArena.TexelBytes >= maxStorageRange;
        return Environment.GetEnvironmentVariable("QWENVK_TEXEL_LOADS") switch
        {
            "0" => false,
            "1" => possible,
            _ => cpu && possible,
        };
    }

    static HashSet<string> DeviceExtensions(Vk vk, PhysicalDevice pd)
    {
        uint count = 0;
        vk.EnumerateDeviceExtensionProperties(pd, (byte*)null, ref count, null);
        var props = new ExtensionProperties[count];
        fixed (ExtensionProperties* p = props) vk.EnumerateDeviceExtensionProperties(pd, (byte*)null, ref count, p);
        var set = new HashSet<string>();
        foreach (var e in props) set.Add(SilkMarshal.PtrToString((nint)e.ExtensionName) ?? "");
        return set;
    }

    // ---------------------------------------------------------------- ownership

    /// <summary>Registers an object whose lifetime ends with the context (pipelines, buffers not yet disposed).</summary>
    internal void Track(IDisposable d) { lock (_owned) _owned.Add(d); }
    internal void Untrack(IDisposable d) { lock (_owned) _owned.Remove(d); }

    /// <summary>Serializes queue submission: a host in adopt mode shares the queue with us.</summary>
    internal object QueueLock => _queueLock;

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Vk.DeviceWaitIdle(Device);
        IDisposable[] owned;
        lock (_owned) owned = _owned.ToArray();
        foreach (var d in owned.Reverse()) d.Dispose();
        PipelineCache.Destroy();
        Vk.DestroyCommandPool(Device, CommandPool, null);
        if (OwnsDevice)
        {
            Vk.DestroyDevice(Device, null);
            if (_messenger.Handle != 0) DestroyMessenger(Vk, Instance, _messenger);
            Vk.DestroyInstance(Instance, null);
        }
        if (_selfHandle.IsAllocated) _selfHandle.Free();
        Vk.Dispose();
    }
}
