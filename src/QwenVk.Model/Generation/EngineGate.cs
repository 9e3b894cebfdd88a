using System.Diagnostics;

namespace QwenVk.Model.Generation;

/// <summary>
/// Who may use an engine's one KV cache, and when its GPU objects may be freed.
/// <para>A generation holds a lease from its first step to its end, so concurrent callers take turns rather than
/// interleave tokens in one cache. The lease is not a lock held across <c>yield</c>: between steps (while the
/// caller consumes a token) the holder is idle, and a waiting caller takes the lease over from a holder idle for
/// longer than <see cref="IdleTimeout"/>. That is how a started and never disposed async enumerator stops
/// blocking everyone else, without relying on a finalizer (an abandoned enumerator may stay reachable for ever);
/// the revoked holder's next step fails with a message saying so. A holder that keeps consuming is never
/// revoked, however long the generation.</para>
/// <para>A step (one forward pass and the cache bookkeeping around it) runs to its end once begun: GPU work
/// cannot be interrupted halfway. <see cref="Close"/> refuses new leases and steps, then waits for the step in
/// flight, so the engine frees nothing the GPU is still using.</para>
/// </summary>
sealed class EngineGate
{
    readonly object _lock = new();
    Lease? _owner;
    bool _closed;
    // Completed (and replaced) whenever a waiting caller might now get the lease.
    TaskCompletionSource _changed = NewSignal();

    public TimeSpan IdleTimeout { get; set; }

    public EngineGate(TimeSpan idleTimeout) => IdleTimeout = idleTimeout;

    public sealed class Lease
    {
        internal bool Revoked;
        internal bool InStep;
        internal long IdleSince = Stopwatch.GetTimestamp();
    }

    static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask<Lease> AcquireAsync(CancellationToken cancel)
    {
        while (true)
        {
            Task changed;
            TimeSpan wait;
            lock (_lock)
            {
                ThrowIfClosed();
                if (_owner is null) return _owner = new Lease();
                wait = Timeout.InfiniteTimeSpan;
                if (!_owner.InStep)
                {
                    var idle = Stopwatch.GetElapsedTime(_owner.IdleSince);
                    if (idle >= IdleTimeout)
                    {
                        _owner.Revoked = true;
                        return _owner = new Lease();
                    }
                    wait = IdleTimeout - idle;
                }
                changed = _changed.Task;
            }
            try { await changed.WaitAsync(wait, cancel).ConfigureAwait(false); }
            catch (TimeoutException) { }
        }
    }

    public Lease Acquire() => AcquireAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public void BeginStep(Lease lease)
    {
        lock (_lock)
        {
            ThrowIfClosed();
            if (lease.Revoked)
                throw new InvalidOperationException($"this generation was abandoned: it was not advanced for {IdleTimeout.TotalSeconds:0.###} s while another caller waited for the engine, which took it over. Consume or dispose a generation's enumerator promptly (QwenEngine.AbandonedGenerationTimeout sets the limit).");
            lease.InStep = true;
        }
    }

    public void EndStep(Lease lease)
    {
        lock (_lock)
        {
            lease.InStep = false;
            lease.IdleSince = Stopwatch.GetTimestamp();
            Signal();
        }
    }

    public void Release(Lease lease)
    {
        lock (_lock)
        {
            if (_owner != lease) return;
            _owner = null;
            Signal();
        }
    }

    /// <summary>Refuses every later lease and step, then waits for the step in flight (if any) to end.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            Signal();
            while (_owner is { InStep: true }) Monitor.Wait(_lock);
        }
    }

    void Signal()
    {
        var old = _changed;
        _changed = NewSignal();
        old.TrySetResult();
        Monitor.PulseAll(_lock);
    }

    void ThrowIfClosed()
    {
        if (_closed) throw new ObjectDisposedException(nameof(QwenEngine), "the engine was disposed; generation stopped.");
    }
}
