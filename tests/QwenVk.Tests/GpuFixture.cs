using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using QwenVk.Runtime.Vulkan;

namespace QwenVk.Tests;

/// <summary>Test-process set-up that must happen before the Vulkan loader reads the environment: validation on
/// (with synchronization validation, through the layer's settings file) for every test, the pipeline cache off.</summary>
static class TestEnvironment
{
    [DllImport("libc", SetLastError = true)]
    static extern int setenv(string name, string value, int overwrite);

    [DllImport("libc", SetLastError = true)]
    static extern int unsetenv(string name);

    /// <summary>Sets (or with null removes) a variable in the C library's environment, which the Vulkan loader reads.</summary>
    internal static void SetNative(string name, string? value)
    {
        if (value is null) unsetenv(name); else setenv(name, value, 1);
    }

    [ModuleInitializer]
    internal static void Init()
    {
        Set("QWENVK_VALIDATION", "1", overwrite: false);
        var settings = Path.Combine(AppContext.BaseDirectory, "vk_layer_settings.txt");
        Set("VK_LAYER_SETTINGS_PATH", settings, overwrite: false);
        // No test writes into the user's pipeline cache, nor do the CLI runs it starts (they inherit this); the
        // pipeline cache tests name temporary folders, which this does not override.
        Set("QWENVK_PIPELINE_CACHE", "0", overwrite: true);
    }

    // .NET keeps its own copy of the environment on Unix; the loader reads the C library's.
    static void Set(string name, string value, bool overwrite)
    {
        if (!overwrite && Environment.GetEnvironmentVariable(name) is not null) return;
        Environment.SetEnvironmentVariable(name, value);
        SetNative(name, value);
    }
}

/// <summary>One Vulkan context with validation for a test class. Tests call <see cref="AssertClean"/> at the end.</summary>
public sealed class GpuFixture : IDisposable
{
    public VulkanContext Ctx { get; } = VulkanContext.Create(new ContextOptions { Validation = true });

    public void AssertClean()
    {
        var messages = Ctx.Validation.Messages;
        Ctx.Validation.Clear();
        Assert.True(messages.Count == 0, "validation layer reported:\n" + string.Join("\n", messages.Take(10)));
    }

    public void Dispose()
    {
        Ctx.Dispose();
    }
}

[CollectionDefinition("gpu")]
public sealed class GpuCollection : ICollectionFixture<GpuFixture>;
