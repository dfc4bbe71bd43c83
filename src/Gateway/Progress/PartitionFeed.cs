using System.Threading.Channels;
using Delineate.Abstractions;
using Orleans.Streams;

namespace Delineate.Gateway.Progress;

/// <summary>
/// One gateway's subscription to one progress partition, and the local writers of each job in it.
/// The stream carries every job of the partition, including jobs nobody here follows: an event is
/// looked up by job id and written to that job's writers, or dropped.
/// </summary>
internal sealed class PartitionFeed
{
    private readonly IClusterClient _cluster;
    private readonly TimeProvider _time;
    private readonly GatewayMetrics _metrics;
    private readonly ILogger _logger;

    /// <summary>
    /// The writers of each followed job. An array is never changed once published, so dispatch holds
    /// the lock only for the lookup and writes outside it. Changed only under the hub's lock as well
    /// (lock order: hub, then feed), which makes joining and the last one leaving atomic with the hub's map.
    /// </summary>
    private readonly Dictionary<Guid, ChannelWriter<JobEvent>[]> _listeners = [];
    private readonly Lock _listenersGate = new();

    /// <summary>Serialises subscribing, renewing and closing: each is a call to the cluster.</summary>
    private readonly SemaphoreSlim _subscription = new(1, 1);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private StreamSubscriptionHandle<JobEvent>? _handle;
    private long _renewedAt;
    private bool _closed;

    public PartitionFeed(IClusterClient cluster, int partition, TimeProvider time, GatewayMetrics metrics, ILogger logger)
    {
        _cluster = cluster;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        Partition = partition;
    }

    public int Partition { get; }

    /// <summary>Completes when the first subscription is live; faults when it could not be made.</summary>
    public Task Ready => _ready.Task;

    public void Add(Guid jobId, ChannelWriter<JobEvent> writer)
    {
        lock (_listenersGate)
        {
            _listeners[jobId] = _listeners.TryGetValue(jobId, out var writers) ? [.. writers, writer] : [writer];
        }
    }

    /// <summary>Removes one registration of the writer; true when no listener of any job is left.</summary>
    public bool Remove(Guid jobId, ChannelWriter<JobEvent> writer)
    {
        lock (_listenersGate)
        {
            if (_listeners.TryGetValue(jobId, out var writers))
            {
                var at = Array.IndexOf(writers, writer);
                if (at >= 0)
                {
                    if (writers.Length == 1)
                    {
                        _listeners.Remove(jobId);
                    }
                    else
                    {
                        // One occurrence only: the same writer listening twice is two listeners.
                        _listeners[jobId] = [.. writers.AsSpan(0, at), .. writers.AsSpan(at + 1)];
                    }
                }
            }
            return _listeners.Count == 0;
        }
    }

    /// <summary>Makes the first subscription; the outcome goes to <see cref="Ready"/>.</summary>
    public async Task StartAsync()
    {
        await _subscription.WaitAsync();
        try
        {
            if (_closed)
            {
                _ready.TrySetCanceled();
                return;
            }
            _handle = await Stream().SubscribeAsync(OnNextAsync);
            _renewedAt = _time.GetTimestamp();
            _logger.LogDebug("Subscribed to progress partition {Partition}", Partition);
            _ready.TrySetResult();
        }
        catch (Exception ex)
        {
            _logger.LogWarning("Subscribing to progress partition {Partition} failed ({Reason})", Partition, ex.GetType().Name);
            _ready.TrySetException(ex);
        }
        finally
        {
            _subscription.Release();
        }
    }

    /// <summary>
    /// Subscribes again and drops the previous subscription, unless the partition was (re)subscribed
    /// less than <paramref name="minimumInterval"/> ago: every follower of every job of the partition
    /// notices the same loss, and one renewal serves them all.
    /// </summary>
    public async Task RenewAsync(TimeSpan minimumInterval)
    {
        await _subscription.WaitAsync();
        try
        {
            if (_closed || !Ready.IsCompletedSuccessfully || _time.GetElapsedTime(_renewedAt) < minimumInterval)
            {
                return;
            }
            // Counted before the attempt: while the cluster fails, its followers retry once an interval, not each.
            _renewedAt = _time.GetTimestamp();
            _logger.LogInformation("Renewing the subscription of progress partition {Partition}", Partition);
            // The new subscription first, so no event falls between the two. One published meanwhile may
            // arrive twice; a listener drops a seq it already has (events carry a per-job Seq for this).
            var previous = _handle;
            _handle = await Stream().SubscribeAsync(OnNextAsync);
            if (previous is not null)
            {
                await UnsubscribeQuietlyAsync(previous);
            }
        }
        finally
        {
            _subscription.Release();
        }
    }

    /// <summary>Drops the subscription for good; the last listener has gone.</summary>
    public async Task CloseAsync()
    {
        await _subscription.WaitAsync();
        try
        {
            _closed = true;
            if (_handle is not null)
            {
                await UnsubscribeQuietlyAsync(_handle);
                _handle = null;
                _logger.LogDebug("Unsubscribed from progress partition {Partition}", Partition);
            }
        }
        finally
        {
            _subscription.Release();
        }
    }

    /// <summary>Runs on Orleans' threads for every event of the partition: one lookup, no allocation; followed events are timed.</summary>
    private Task OnNextAsync(JobEvent e, StreamSequenceToken? token)
    {
        ChannelWriter<JobEvent>[]? writers;
        lock (_listenersGate)
        {
            _listeners.TryGetValue(e.JobId, out writers);
        }
        if (writers is not null)
        {
            _metrics.Arrived(_time.GetUtcNow() - e.At);
            foreach (var writer in writers)
            {
                // Never waits: a full channel drops its oldest event, a completed one refuses.
                writer.TryWrite(e);
            }
        }
        return Task.CompletedTask;
    }

    private IAsyncStream<JobEvent> Stream() =>
        _cluster.GetStreamProvider(StreamNames.Provider)
            .GetStream<JobEvent>(StreamId.Create(StreamNames.PartitionNamespace, StreamNames.PartitionKey(Partition)));

    private async Task UnsubscribeQuietlyAsync(StreamSubscriptionHandle<JobEvent> handle)
    {
        try
        {
            await handle.UnsubscribeAsync();
        }
        catch (Exception ex)
        {
            // The pub-sub state may be gone with a dead silo; a subscription it forgot needs no removal.
            _logger.LogDebug(ex, "Unsubscribing from progress partition {Partition} failed", Partition);
        }
    }
}
