using Orleans.Streams;

namespace Delineate.Grains.Tests.Infrastructure;

/// <summary>Records a job's progress stream, as the gateway's relay sees it, through the cluster client.</summary>
public sealed class JobEventRecorder : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly List<JobEvent> _events = [];
    private readonly List<(Func<JobEvent, bool> Match, TaskCompletionSource<JobEvent> Signal)> _waiters = [];
    private StreamSubscriptionHandle<JobEvent>? _subscription;

    public static async Task<JobEventRecorder> SubscribeAsync(IClusterClient client, Guid jobId)
    {
        var recorder = new JobEventRecorder();
        var stream = client.GetStreamProvider(StreamNames.Provider)
            .GetStream<JobEvent>(StreamId.Create(StreamNames.PartitionNamespace, StreamNames.PartitionKey(StreamNames.PartitionOf(jobId))));
        // The partition's stream carries other jobs' events too.
        recorder._subscription = await stream.SubscribeAsync((item, _) =>
        {
            if (item.JobId == jobId)
            {
                recorder.Add(item);
            }
            return Task.CompletedTask;
        });
        return recorder;
    }

    public IReadOnlyList<JobEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return _events.ToList();
            }
        }
    }

    /// <summary>The first event (already received or still to come) that matches.</summary>
    public Task<JobEvent> WhenReceived(Func<JobEvent, bool> match)
    {
        lock (_lock)
        {
            if (_events.FirstOrDefault(match) is { } seen)
            {
                return Task.FromResult(seen);
            }
            var signal = new TaskCompletionSource<JobEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, signal));
            return signal.Task;
        }
    }

    /// <summary>Every event up to and including the terminal one.</summary>
    public async Task<IReadOnlyList<JobEvent>> UntilTerminal(TimeSpan timeout)
    {
        await WhenReceived(e => e.Type is JobEventType.Completed or JobEventType.Failed or JobEventType.Cancelled)
            .WaitAsync(timeout);
        return Events;
    }

    private void Add(JobEvent item)
    {
        lock (_lock)
        {
            _events.Add(item);
            foreach (var waiter in _waiters.Where(w => w.Match(item)).ToList())
            {
                waiter.Signal.TrySetResult(item);
                _waiters.Remove(waiter);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_subscription is not null)
        {
            await _subscription.UnsubscribeAsync();
        }
    }
}
