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
        using (var byName = VulkanContext.Create(new ContextOptions { Device = name[..Math.Min(5, name.Length)].ToUpperInvariant(), Validation = true, Log = _ => { } }))
            Assert.Contains(byName.Capabilities.Name, VulkanContext.ListDevices().Select(x => x.Name));
        using (var byIndex = VulkanContext.Create(new ContextOptions { Device = "0", Validation = true, Log = _ => { } }))
            Assert.Equal(0, byIndex.Capabilities.Index);
        var e = Assert.Throws<VulkanException>(() => VulkanContext.Create(new ContextOptions { Device = "no-such-gpu-xyz", Log = _ => { } }));
        Assert.Contains("no-such-gpu-xyz", e.Message);
        var e2 = Assert.Throws<VulkanException>(() => VulkanContext.Create(new ContextOptions { Device = "99", Log = _ => { } }));
        Assert.Contains("99", e2.Message);
    }

    [Fact]
    public void SaysSoWhenFallingBackToACpuDriver()
    {
        var notes = new List<string>();
        using var ctx = VulkanContext.Create(new ContextOptions { Validation = true, Log = notes.Add });
        if (ctx.Capabilities.Kind == DeviceKind.Cpu)
            Assert.Contains(notes, n => n.Contains("CPU Vulkan driver"));
        else
            Assert.DoesNotContain(notes, n => n.Contains("CPU Vulkan driver"));
    }
}
