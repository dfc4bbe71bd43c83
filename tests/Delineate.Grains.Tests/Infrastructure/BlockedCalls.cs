namespace Delineate.Grains.Tests.Infrastructure;

/// <summary>
/// Calls that block until their token is cancelled. Tests await when a number of them have started
/// or have seen their token cancelled: events, not sleeps.
/// </summary>
public sealed class BlockedCalls
{
    private readonly Lock _lock = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _startWaiters = [];
    private readonly List<(int Count, TaskCompletionSource Signal)> _cancelWaiters = [];
    private int _started;
    private int _cancelled;
    private int _inFlight;

    public int Started { get { lock (_lock) { return _started; } } }

    public int InFlight { get { lock (_lock) { return _inFlight; } } }

    /// <summary>Completes once <paramref name="count"/> calls have started blocking.</summary>
    public Task WhenStarted(int count) => Wait(_startWaiters, count, () => _started);

    /// <summary>Completes once <paramref name="count"/> blocked calls have seen their token cancelled.</summary>
    public Task WhenCancelled(int count) => Wait(_cancelWaiters, count, () => _cancelled);

    internal async Task BlockAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _started++;
            _inFlight++;
            Release(_startWaiters, _started);
        }
        // Registered after the delay's own registration, so it runs first (callbacks run last-in,
        // first-out): the signal is the moment the caller's token is cancelled, before the delay ends.
        var blocked = Task.Delay(Timeout.Infinite, cancellationToken);
        using var registration = cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                _cancelled++;
                Release(_cancelWaiters, _cancelled);
            }
        });
        try
        {
            await blocked;
        }
        finally
        {
            lock (_lock)
            {
                _inFlight--;
            }
        }
    }

    private Task Wait(List<(int Count, TaskCompletionSource Signal)> waiters, int count, Func<int> current)
    {
        lock (_lock)
        {
            if (current() >= count)
            {
                return Task.CompletedTask;
            }
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiters.Add((count, signal));
            return signal.Task;
        }
    }

    private static void Release(List<(int Count, TaskCompletionSource Signal)> waiters, int reached)
    {
        foreach (var waiter in waiters.Where(w => w.Count <= reached).ToList())
        {
            waiter.Signal.TrySetResult();
            waiters.Remove(waiter);
        }
    }
}
