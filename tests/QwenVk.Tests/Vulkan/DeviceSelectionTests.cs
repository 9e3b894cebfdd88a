using QwenVk.Runtime.Vulkan;

namespace QwenVk.Tests.Vulkan;

[Collection("gpu")]
public sealed class DeviceSelectionTests(GpuFixture gpu)
{
    [Fact]
    public void ListsAtLeastOneUsableDeviceWithItsLimits()
    {
        var devices = VulkanContext.ListDevices();
        Assert.NotEmpty(devices);
        var d = devices.First(x => x.Supported);
        Assert.True(d.SubgroupSize >= 1 && (d.SubgroupSize & (d.SubgroupSize - 1)) == 0, $"subgroup size {d.SubgroupSize}");
        Assert.True(d.MaxStorageBufferRange >= 1 << 27);
        Assert.Equal(gpu.Ctx.Capabilities.Name, devices[gpu.Ctx.Capabilities.Index].Name);
    }

    [Fact]
    public void ChoosesByIndexAndByNameAndRefusesUnknown()
    {
        var name = gpu.Ctx.Capabilities.Name;
        using (var byName = VulkanContext.Create(new ContextOptions { Device = name[..Math.Min(5, name.Length)].ToUpperInvariant(), Validation = true }))
            Assert.Contains(byName.Capabilities.Name, VulkanContext.ListDevices().Select(x => x.Name));
        using (var byIndex = VulkanContext.Create(new ContextOptions { Device = "0", Validation = true }))
            Assert.Equal(0, byIndex.Capabilities.Index);
        var e = Assert.Throws<VulkanException>(() => VulkanContext.Create(new ContextOptions { Device = "no-such-gpu-xyz" }));
        Assert.Contains("no-such-gpu-xyz", e.Message);
        var e2 = Assert.Throws<VulkanException>(() => VulkanContext.Create(new ContextOptions { Device = "99" }));
        Assert.Contains("99", e2.Message);
    }

    [Fact]
    public void SaysSoWhenFallingBackToACpuDriverThroughTheLoggerNotStderr()
    {
        var logger = new ListLogger();
        var stderr = new StringWriter();
        var before = Console.Error;
        Console.SetError(stderr);
        try
        {
            using (var quiet = VulkanContext.Create(new ContextOptions { Validation = true })) { }
            using var ctx = VulkanContext.Create(new ContextOptions { Validation = true, Logger = logger });
            if (ctx.Capabilities.Kind == DeviceKind.Cpu)
                Assert.Contains(logger.Lines, n => n.Contains("CPU Vulkan driver") && n.StartsWith("Warning"));
            else
                Assert.DoesNotContain(logger.Lines, n => n.Contains("CPU Vulkan driver"));
        }
        finally
        {
            Console.SetError(before);
        }
        // A library does not write to its host's console by itself.
        Assert.DoesNotContain("CPU Vulkan driver", stderr.ToString());
    }
}
