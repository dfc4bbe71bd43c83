namespace Delineate.Grains.Tests.Infrastructure;

/// <summary>One grain's storage outage: it starts after some writes and lasts until <see cref="Heal"/>.</summary>
public sealed class WriteOutage(int afterWrites)
{
    private readonly Lock _lock = new();
    private readonly List<(int Count, TaskCompletionSource Signal)> _waiters = [];
    private int _allowed = afterWrites;
    private int _failed;
    private bool _healed;

    /// <summary>Completes once <paramref name="count"/> writes have failed.</summary>
    public Task WhenFailed(int count)
    {
        lock (_lock)
        {
            if (_failed >= count)
            {
                return Task.CompletedTask;
            }
            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((count, signal));
            return signal.Task;
        }
    }

    public void Heal()
    {
        lock (_lock)
        {
            _healed = true;
        }
    }

    internal bool Fails()
    {
        lock (_lock)
        {
            if (_healed)
            {
                return false;
            }
            if (_allowed > 0)
            {
                _allowed--;
                return false;
            }
            _failed++;
            foreach (var waiter in _waiters.Where(w => w.Count <= _failed).ToList())
            {
                waiter.Signal.TrySetResult();
                _waiters.Remove(waiter);
            }
            return true;
        }
    }
}
