using System.Collections.Concurrent;

namespace QwenVk.Runtime.Vulkan;

/// <summary>Messages the Khronos validation layer reported for one context. Tests fail when it is not empty.</summary>
public sealed class ValidationLog
{
    readonly ConcurrentQueue<string> _messages = new();

    public IReadOnlyCollection<string> Messages => _messages.ToArray();
    public int Count => _messages.Count;
    public event Action<string>? MessageReported;

    internal void Add(string message)
    {
        _messages.Enqueue(message);
        MessageReported?.Invoke(message);
    }

    public void Clear() => _messages.Clear();
}
