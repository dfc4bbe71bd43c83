using System.Threading.Channels;
using Delineate.Abstractions;

namespace Delineate.Gateway.Progress;

/// <summary>
/// This gateway's side of the progress streams: one Orleans subscription per partition that has at
/// least one local follower, fanned out by job id to every local client following a job of it. A
/// thousand browsers on a hundred jobs cost the cluster at most <see cref="StreamNames.Partitions"/>
/// subscriptions, and a subscription is dropped as soon as its partition has nobody left to tell.
/// </summary>
public sealed class JobEventHub(IClusterClient cluster, TimeProvider time, GatewayMetrics metrics, ILogger<JobEventHub> logger)
{
    private readonly IClusterClient _cluster = cluster;
    private readonly TimeProvider _time = time;
    private readonly ILogger _logger = logger;

    /// <summary>
    /// The partitions with at least one listener. Guarded by <see cref="_gate"/>, under which the feeds'
    /// listeners are added and removed too: a newcomer never joins a feed its last listener is closing.
    /// </summary>
    private readonly Dictionary<int, PartitionFeed> _feeds = [];
    private readonly Lock _gate = new();

    /// <summary>
    /// Starts delivering the job's events to <paramref name="writer"/> until the listener is disposed;
    /// returns once the job's partition subscription is live.
    /// </summary>
    public async Task<IAsyncDisposable> ListenAsync(Guid jobId, ChannelWriter<JobEvent> writer)
    {
        var partition = StreamNames.PartitionOf(jobId);
        PartitionFeed feed;
        var created = false;
        lock (_gate)
        {
            // A feed whose subscription failed is on its way out (its listeners are leaving with the
            // error): a newcomer must not inherit the failure, it tries again with a feed of its own.
            if (!_feeds.TryGetValue(partition, out feed!) || feed.Ready.IsFaulted)
            {
                feed = new PartitionFeed(_cluster, partition, _time, metrics, _logger);
                _feeds[partition] = feed;
                created = true;
            }
            feed.Add(jobId, writer);
        }
        if (created)
        {
            // Outside the lock: subscribing is a call to the cluster. Never throws; Ready carries the outcome.
            await feed.StartAsync();
        }
        try
        {
            await feed.Ready;
        }
        catch
        {
            await RemoveAsync(feed, jobId, writer);
            throw;
        }
        return new Listener(this, feed, jobId, writer);
    }

    /// <summary>
    /// Replaces the subscription of the job's partition (a memory stream can lose it when a silo dies).
    /// Every listener of the partition keeps listening; calls within <paramref name="minimumInterval"/>
    /// of the last renewal of the partition, by a follower of any of its jobs, do nothing.
    /// </summary>
    public async Task RenewAsync(Guid jobId, TimeSpan minimumInterval)
    {
        PartitionFeed? feed;
        lock (_gate)
        {
            _feeds.TryGetValue(StreamNames.PartitionOf(jobId), out feed);
        }
        if (feed is not null)
        {
            await feed.RenewAsync(minimumInterval);
        }
    }

    private async Task RemoveAsync(PartitionFeed feed, Guid jobId, ChannelWriter<JobEvent> writer)
    {
        bool last;
        lock (_gate)
        {
            last = feed.Remove(jobId, writer);
            // The entry may already be a newer feed (this one failed and was replaced): leave that one be.
            if (last && _feeds.TryGetValue(feed.Partition, out var current) && current == feed)
            {
                _feeds.Remove(feed.Partition);
            }
        }
        if (last)
        {
            // Nobody can join this feed any more (it left the map under the lock), so closing it is final.
            await feed.CloseAsync();
        }
    }

    private sealed class Listener(JobEventHub hub, PartitionFeed feed, Guid jobId, ChannelWriter<JobEvent> writer) : IAsyncDisposable
    {
        private int _disposed;

        public ValueTask DisposeAsync() =>
            Interlocked.Exchange(ref _disposed, 1) == 0 ? new ValueTask(hub.RemoveAsync(feed, jobId, writer)) : ValueTask.CompletedTask;
    }
}
