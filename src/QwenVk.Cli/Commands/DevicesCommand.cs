using System.CommandLine;
using System.Text.Json;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Cli.Commands;

/// <summary>`qwenvk devices [--json]`: every Vulkan device with the capabilities the kernels care about.</summary>
static class DevicesCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print a JSON array instead of text." };
        var cmd = new Command("devices", "List Vulkan devices and their capabilities (subgroup size, fp16, limits, memory).") { json };
        cmd.SetAction(r =>
        {
            var devices = VulkanContext.ListDevices();
            if (r.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(devices, CliJson.Options));
                return 0;
            }
            foreach (var d in devices)
            {
                Console.WriteLine($"[{d.Index}] {d.Name} ({d.Kind}, Vulkan {d.ApiVersion}, vendor {d.VendorId})");
                Console.WriteLine($"    fp16 arithmetic {YesNo(d.ShaderFloat16)}, 16-bit storage {YesNo(d.StorageBuffer16BitAccess)}, int8 {YesNo(d.ShaderInt8)}, cooperative matrix {YesNo(d.CooperativeMatrix)}");
                Console.WriteLine($"    subgroup size {d.SubgroupSize} (min {d.MinSubgroupSize}, max {d.MaxSubgroupSize}), ops: {string.Join(" ", d.SubgroupOperations)}");
                Console.WriteLine($"    maxStorageBufferRange {Mib(d.MaxStorageBufferRange)}, maxMemoryAllocationSize {Mib(d.MaxMemoryAllocationSize)}, shared memory {d.MaxComputeSharedMemorySize / 1024} KiB");
                Console.WriteLine($"    memory: {(d.UnifiedMemory ? "unified (host-visible device memory)" : "discrete (staging uploads)")}, device-local {Mib(d.DeviceLocalBytes)}");
                Console.WriteLine($"    usable by QwenVk: {(d.Supported ? "yes" : "no, lacks " + d.MissingFeatures())}");
            }
            return 0;
        });
        return cmd;
    }

    static string YesNo(bool b) => b ? "yes" : "no";
    static string Mib(ulong b) => b >= 1UL << 30 ? $"{b / (double)(1UL << 30):F1} GiB" : $"{b / (double)(1UL << 20):F0} MiB";
}
