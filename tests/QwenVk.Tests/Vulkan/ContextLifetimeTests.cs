using System.Diagnostics;
using QwenVk.Runtime;
using QwenVk.Runtime.Graph;
using QwenVk.Runtime.Kernels;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Tests.Vulkan;

/// <summary>A host application creates and disposes the runtime many times: nothing may leak, neither Vulkan
/// objects (the validation layer's object tracker reports any left at vkDestroyDevice) nor process memory.</summary>
[Collection("gpu")]
public sealed class ContextLifetimeTests
{
    static void UseOnce(VulkanContext ctx)
    {
        var type = TensorType.Of(DType.F32, 1000);
        var g = new ComputeGraph("leak");
        var a = g.Input("a", type);
        var o = g.Output("o", type);
        var t = g.Add("t", new AddKernel(), [a, a], type);
        g.Add("o", new AddKernel(), [t, a], [o]);
        var ba = ctx.CreateBuffer(type.Bytes, "a");
        var bo = ctx.CreateBuffer(type.Bytes, "o");
        ba.Upload<float>(Enumerable.Repeat(1f, 1000).ToArray());
        using (var compiled = GraphCompiler.Compile(ctx, g, new Dictionary<GraphTensor, BufferRange> { [a] = ba, [o] = bo }))
        {
            compiled.Run();
            compiled.Profile();
        }
        Assert.Equal(3f, bo.Read<float>(1)[0]);
        ba.Dispose();
        // bo is left to the context: Dispose must release what the caller forgot.
    }

    [Fact]
    public void CreateAndDispose50TimesLeaksNothing()
    {
        long rssAfterWarmup = 0;
        for (int i = 0; i < 50; i++)
        {
            var ctx = VulkanContext.Create(new ContextOptions { Validation = true });
            UseOnce(ctx);
            ctx.Dispose();
            Assert.True(ctx.Validation.Count == 0, $"iteration {i}: " + string.Join("\n", ctx.Validation.Messages.Take(5)));
            if (i == 9)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                rssAfterWarmup = Process.GetCurrentProcess().WorkingSet64;
            }
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long growth = Process.GetCurrentProcess().WorkingSet64 - rssAfterWarmup;
        // 40 more iterations: a leak of even one small buffer or pipeline per iteration would exceed this.
        Assert.True(growth < 24L << 20, $"resident memory grew {growth >> 20} MiB over 40 create/dispose cycles");
    }

    [Fact]
    public void AdoptModeNeverDestroysTheHostsDevice()
    {
        using var host = VulkanContext.Create(new ContextOptions { Validation = true });
        for (int i = 0; i < 3; i++)
        {
            using var adopted = VulkanContext.Adopt(host.Instance, host.PhysicalDevice, host.Device, host.Queue, host.QueueFamily);
            Assert.False(adopted.OwnsDevice);
            UseOnce(adopted);
        }
        // The host's device still works after the adopted contexts are gone.
        UseOnce(host);
        Assert.True(host.Validation.Count == 0, string.Join("\n", host.Validation.Messages.Take(5)));
    }
}

/// <summary>No driver: a clear message, not a crash. The loader reads VK_ICD_FILENAMES at instance creation,
/// so the test sets it in the C environment (inside the serial "gpu" collection) and restores it.</summary>
[Collection("gpu")]
public sealed class MissingDriverTests
{
    [Fact]
    public void MissingIcdFileGivesAClearError()
    {
        var before = Environment.GetEnvironmentVariable("VK_ICD_FILENAMES");
        TestEnvironment.SetNative("VK_ICD_FILENAMES", "/nonexistent/qwenvk_missing_icd.json");
        try
        {
            var e = Assert.Throws<VulkanException>(() => VulkanContext.Create(new ContextOptions { Validation = false }));
            Assert.Contains("driver", e.Message);
            Assert.Contains("VK_ICD_FILENAMES", e.Message);
        }
        finally
        {
            TestEnvironment.SetNative("VK_ICD_FILENAMES", before);
        }
    }
}

/// <summary>The discrete-GPU path: device memory the host cannot map, filled and read through a staging buffer.</summary>
[Collection("gpu")]
public sealed class StagingTests
{
    [Fact]
    public void UploadsAndDownloadsThroughStagingAreExactAndKernelsSeeThem()
    {
        using var ctx = VulkanContext.Create(new ContextOptions { Validation = true, ForceStaging = true });
        var type = TensorType.Of(DType.F32, 5_000_000); // 20 MB: more than the 16 MiB staging buffer, so it chunks
        var data = Enumerable.Range(0, 5_000_000).Select(i => (float)i).ToArray();
        var a = DeviceTensor.Create(ctx, type, "a");
        var o = DeviceTensor.Create(ctx, type, "o");
        Assert.False(a.Buffer.IsMapped);
        a.Buffer.Upload<float>(data);
        o.Buffer.Fill(0x7FC00000);
        KernelRunner.Run(ctx, new AddKernel(), [a, a], [o]);
        var back = o.Buffer.Read<float>(data.Length);
        for (int i = 0; i < data.Length; i += 9973) Assert.Equal(2f * i, back[i]);
        Assert.Equal(2f * (data.Length - 1), back[^1]);
        var partial = new float[3];
        a.Buffer.Download<float>(partial, offset: 4 * 4_999_990);
        Assert.Equal([4_999_990f, 4_999_991f, 4_999_992f], partial);
        Assert.True(ctx.Validation.Count == 0, string.Join("\n", ctx.Validation.Messages.Take(5)));
    }
}
