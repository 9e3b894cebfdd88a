using Silk.NET.Vulkan;

namespace QwenVk.Runtime.Vulkan;

public sealed unsafe partial class VulkanContext
{
    StagingBuffer? _staging;
    long _allocated, _peakAllocated;

    /// <summary>Bytes of buffer memory this context holds now, and the most it held at once.</summary>
    public long AllocatedBytes => Interlocked.Read(ref _allocated);
    public long PeakAllocatedBytes => Interlocked.Read(ref _peakAllocated);

    internal void CountAllocation(long bytes)
    {
        long now = Interlocked.Add(ref _allocated, bytes);
        long peak;
        while (now > (peak = Interlocked.Read(ref _peakAllocated)) && Interlocked.CompareExchange(ref _peakAllocated, now, peak) != peak) { }
    }
    readonly Dictionary<string, ComputePipeline> _pipelines = new();

    internal StagingBuffer Staging => _staging ??= new StagingBuffer(this, 16 << 20);

    internal int FindMemoryType(uint typeBits, MemoryPropertyFlags flags)
    {
        for (int i = 0; i < MemoryProperties.MemoryTypeCount; i++)
            if ((typeBits & (1u << i)) != 0 && (MemoryProperties.MemoryTypes[i].PropertyFlags & flags) == flags)
                return i;
        return -1;
    }

    /// <summary>Creates a storage buffer. Released by Dispose or, at the latest, with the context.</summary>
    public GpuBuffer CreateBuffer(ulong size, string name, BufferKind kind = BufferKind.DeviceLocal) => new(this, size, kind, name);

    /// <summary>Returns the pipeline for a kernel's shader and specialization constants, created once and cached.</summary>
    public ComputePipeline GetPipeline(string shader, int bindings, uint pushConstantBytes, ReadOnlySpan<uint> specialization, uint texelBindings = 0)
    {
        var key = $"{shader}|{bindings}|{pushConstantBytes}|{string.Join(",", specialization.ToArray())}|{texelBindings}";
        lock (_pipelines)
        {
            if (!_pipelines.TryGetValue(key, out var p))
            {
                p = new ComputePipeline(this, shader, bindings, pushConstantBytes, specialization, texelBindings);
                _pipelines[key] = p;
            }
            return p;
        }
    }

    /// <summary>Records commands into a one-shot command buffer, submits it and waits.</summary>
    public void Run(Action<CommandRecorder> record)
    {
        using var rec = new CommandRecorder(this);
        rec.Begin(oneTime: true);
        record(rec);
        rec.End();
        rec.SubmitAndWait();
    }

    internal void FillBuffer(GpuBuffer buffer, uint pattern)
    {
        if (buffer.IsMapped)
        {
            new Span<uint>(buffer.Mapped, (int)(buffer.Size / 4)).Fill(pattern);
            return;
        }
        Run(r => r.Fill(buffer, pattern));
    }
}
