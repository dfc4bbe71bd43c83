using System.Threading.Channels;
using Delineate.Abstractions;
using Orleans.Streams;

namespace Delineate.Gateway.Progress;

/// <summary>
/// One Orleans stream subscription per job per gateway, fanned out to every local client that
/// follows the job: a thousand browsers on one job cost the cluster one subscription.
/// </summary>
public sealed class JobEventHub(IClusterClient cluster, TimeProvider time, ILogger<JobEventHub> logger)
{
    private readonly IClusterClient _cluster = cluster;
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;
    private readonly Dictionary<Guid, Feed> _feeds = [];
    private readonly Lock _gate = new();

    /// <summary>Starts delivering the job's events to <paramref name="writer"/> until the listener is disposed.</summary>
    public async Task<IAsyncDisposable> ListenAsync(Guid jobId, ChannelWriter<JobEvent> writer)
    {
        Feed feed;
        lock (_gate)
        {
            if (!_feeds.TryGetValue(jobId, out feed!))
            {
                feed = new Feed(this, jobId);
                _feeds[jobId] = feed;
            }
            feed.Add(writer);
        }
        try
        {
            await feed.Ready;
        }
        catch
        {
            await RemoveAsync(feed, writer);
            throw;
        }
        return new Listener(this, feed, writer);
    }

    /// <summary>
    /// Replaces the job's subscription (a memory stream can lose it when a silo dies). Listeners of the
    /// job keep listening; calls within a short interval of the last renewal do nothing.
    /// </summary>
    public async Task RenewAsync(Guid jobId, TimeSpan minimumInterval)
    {
        Feed? feed;
        lock (_gate)
        {
            _feeds.TryGetValue(jobId, out feed);
        }
        if (feed is not null)
        {
            await feed.RenewAsync(minimumInterval);
        }
    }

    private async Task RemoveAsync(Feed feed, ChannelWriter<JobEvent> writer)
    {
        bool last;
        lock (_gate)
        {
            last = feed.Remove(writer);
            if (last)
            {
                _feeds.Remove(feed.JobId);
            }
        }
        if (last)
        {
            await feed.CloseAsync();
        }
    }

    private sealed class Listener(JobEventHub hub, Feed feed, ChannelWriter<JobEvent> writer) : IAsyncDisposable
    {
        private int _disposed;

        public ValueTask DisposeAsync() =>
            Interlocked.Exchange(ref _disposed, 1) == 0 ? new ValueTask(hub.RemoveAsync(feed, writer)) : ValueTask.CompletedTask;
    }

    private sealed class Feed
    {
        private readonly JobEventHub _hub;
        private readonly SemaphoreSlim _subscription = new(1, 1);
        private ChannelWriter<JobEvent>[] _writers = [];
        private StreamSubscriptionHandle<JobEvent>? _handle;
        private long _renewedAt;

        public Feed(JobEventHub hub, Guid jobId)
        {
            _hub = hub;
            JobId = jobId;
            _renewedAt = hub._time.GetTimestamp();
            Ready = SubscribeAsync();
        }

        public Guid JobId { get; }

        public Task Ready { get; }

        public void Add(ChannelWriter<JobEvent> writer) => _writers = [.. _writers, writer];

        /// <summary>Removes a listener; true when it was the last.</summary>
        public bool Remove(ChannelWriter<JobEvent> writer)
        {
            _writers = _writers.Where(w => w != writer).ToArray();
            return _writers.Length == 0;
        }

        public async Task RenewAsync(TimeSpan minimumInterval)
        {
            await _subscription.WaitAsync();
            try
            {
                if (_hub._time.GetElapsedTime(_renewedAt) < minimumInterval)
                {
                    return;
                }
                _renewedAt = _hub._time.GetTimestamp();
                _hub._logger.LogInformation("Renewing the progress subscription of job {JobId}", JobId);
                await UnsubscribeQuietlyAsync();
                _handle = await Stream().SubscribeAsync(OnNextAsync);
            }
            finally
            {
                _subscription.Release();
            }
        }

        public async Task CloseAsync()
        {
            await _subscription.WaitAsync();
            try
            {
                await UnsubscribeQuietlyAsync();
            }
            finally
            {
                _subscription.Release();
            }
        }

        private async Task SubscribeAsync()
        {
            await _subscription.WaitAsync();
            try
            {
                _handle = await Stream().SubscribeAsync(OnNextAsync);
            }
            finally
            {
                _subscription.Release();
            }
        }

        private Task OnNextAsync(JobEvent e, StreamSequenceToken? token)
        {
            if (e.JobId != JobId)
            {
                return Task.CompletedTask;
            }
            foreach (var writer in _writers)
            {
                writer.TryWrite(e);
            }
            return Task.CompletedTask;
        }

        private IAsyncStream<JobEvent> Stream() =>
            _hub._cluster.GetStreamProvider(StreamNames.Provider)
                .GetStream<JobEvent>(StreamId.Create(StreamNames.PartitionNamespace, StreamNames.PartitionKey(StreamNames.PartitionOf(JobId))));

        private async Task UnsubscribeQuietlyAsync()
        {
            if (_handle is null)
            {
                return;
            }
            try
            {
                await _handle.UnsubscribeAsync();
            }
            catch (Exception ex)
            {
                _hub._logger.LogDebug(ex, "Unsubscribing from job {JobId} failed", JobId);
            }
            _handle = null;
        }
    }
}
