using System.Threading.Channels;
using Delineate.Abstractions;
using Delineate.Gateway.Progress;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans;
using Orleans.Hosting;
using Orleans.Runtime;
using Orleans.Streams;

namespace Delineate.Api.Tests;

/// <summary>
/// The gateway's progress hub against real Orleans memory streams (a silo in this process): one
/// subscription per partition with local followers, whatever the number of jobs and clients; each
/// listener gets its own job's events only; the subscription goes with the partition's last listener;
/// renewing replaces it under the listeners' feet without them noticing. Subscriptions are counted
/// through the stream's pub-sub (the hub and these tests are the same Orleans client).
/// </summary>
public sealed class JobEventHubTests(JobEventHubTests.Fixture fixture) : IClassFixture<JobEventHubTests.Fixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Two_jobs_of_one_partition_share_one_subscription_and_each_listener_gets_only_its_own_jobs_events()
    {
        var partition = fixture.NewPartition();
        var (a, b, unfollowed) = (fixture.NewJob(partition), fixture.NewJob(partition), fixture.NewJob(partition));
        var hub = fixture.NewHub();
        var firstOfA = Channel.CreateUnbounded<JobEvent>();
        var secondOfA = Channel.CreateUnbounded<JobEvent>();
        var ofB = Channel.CreateUnbounded<JobEvent>();

        await using var listenerA1 = await hub.ListenAsync(a, firstOfA.Writer);
        await using var listenerA2 = await hub.ListenAsync(a, secondOfA.Writer);
        await using var listenerB = await hub.ListenAsync(b, ofB.Writer);
        await fixture.WaitForSubscriptionsAsync(partition, 1);

        // Interleaved on the one partition stream, which delivers in order: a listener that got another
        // job's event would have it before its own last one.
        foreach (var (job, seq) in new[] { (a, 1L), (b, 1L), (unfollowed, 1L), (a, 2L), (b, 2L), (unfollowed, 2L), (a, 3L), (b, 3L) })
        {
            await fixture.PublishAsync(job, seq);
        }

        Assert.Equal(new long[] { 1, 2, 3 }, await ReadUntilAsync(firstOfA.Reader, a, 3));
        Assert.Equal(new long[] { 1, 2, 3 }, await ReadUntilAsync(secondOfA.Reader, a, 3));
        Assert.Equal(new long[] { 1, 2, 3 }, await ReadUntilAsync(ofB.Reader, b, 3));
        Assert.Single(await fixture.SubscriptionsAsync(partition));

        // A job of another partition is another stream, so another subscription; this one is unchanged.
        var elsewhere = fixture.NewPartition();
        await using var listenerC = await hub.ListenAsync(fixture.NewJob(elsewhere), Channel.CreateUnbounded<JobEvent>().Writer);
        await fixture.WaitForSubscriptionsAsync(elsewhere, 1);
        Assert.Single(await fixture.SubscriptionsAsync(partition));
    }

    [Fact]
    public async Task The_partition_subscription_goes_when_its_last_listener_goes_whichever_job_that_listener_follows()
    {
        var partition = fixture.NewPartition();
        var (a, b) = (fixture.NewJob(partition), fixture.NewJob(partition));
        var hub = fixture.NewHub();
        var ofA = Channel.CreateUnbounded<JobEvent>();
        var ofB = Channel.CreateUnbounded<JobEvent>();
        var listenerA = await hub.ListenAsync(a, ofA.Writer);
        var listenerB = await hub.ListenAsync(b, ofB.Writer);
        await fixture.WaitForSubscriptionsAsync(partition, 1);

        // A's listener leaves first: B's keeps the partition, and its events.
        await listenerA.DisposeAsync();
        await listenerA.DisposeAsync();
        await fixture.PublishAsync(a, 1);
        await fixture.PublishAsync(b, 1);
        Assert.Equal(new long[] { 1 }, await ReadUntilAsync(ofB.Reader, b, 1));
        Assert.Single(await fixture.SubscriptionsAsync(partition));
        Assert.False(ofA.Reader.TryRead(out var late), $"a departed listener got {late}");

        await listenerB.DisposeAsync();
        await fixture.WaitForSubscriptionsAsync(partition, 0);

        // The partition is followed afresh: a new subscription, and events flow again.
        var again = Channel.CreateUnbounded<JobEvent>();
        await using var listenerAgain = await hub.ListenAsync(a, again.Writer);
        await fixture.WaitForSubscriptionsAsync(partition, 1);
        await fixture.PublishAsync(a, 2);
        Assert.Equal(new long[] { 2 }, await ReadUntilAsync(again.Reader, a, 2));
    }

    [Fact]
    public async Task Renewing_replaces_the_partition_subscription_at_most_once_an_interval_and_its_listeners_keep_listening()
    {
        var partition = fixture.NewPartition();
        var (a, b) = (fixture.NewJob(partition), fixture.NewJob(partition));
        var hub = fixture.NewHub();
        var ofA = Channel.CreateUnbounded<JobEvent>();
        var ofB = Channel.CreateUnbounded<JobEvent>();
        await using var listenerA = await hub.ListenAsync(a, ofA.Writer);
        await using var listenerB = await hub.ListenAsync(b, ofB.Writer);
        var original = Assert.Single(await fixture.WaitForSubscriptionsAsync(partition, 1)).HandleId;

        // Subscribed moments ago: within the interval, renewing (for either job) does nothing.
        await hub.RenewAsync(b, TimeSpan.FromHours(1));
        Assert.Equal(original, Assert.Single(await fixture.SubscriptionsAsync(partition)).HandleId);

        await hub.RenewAsync(b, TimeSpan.Zero);
        var renewed = Assert.Single(await fixture.WaitForSubscriptionsAsync(partition, 1)).HandleId;
        Assert.NotEqual(original, renewed);

        // Renewed for B, and A's listener is fed by the new subscription as much as B's.
        await fixture.PublishAsync(a, 1);
        await fixture.PublishAsync(b, 1);
        Assert.Equal(new long[] { 1 }, await ReadUntilAsync(ofA.Reader, a, 1));
        Assert.Equal(new long[] { 1 }, await ReadUntilAsync(ofB.Reader, b, 1));

        // A partition nobody here follows is not subscribed by renewing one of its jobs.
        var unfollowed = fixture.NewPartition();
        await hub.RenewAsync(fixture.NewJob(unfollowed), TimeSpan.Zero);
        Assert.Empty(await fixture.SubscriptionsAsync(unfollowed));
    }

    [Fact]
    public async Task Renewing_after_the_subscription_was_lost_restores_delivery_to_every_listener_of_the_partition()
    {
        var partition = fixture.NewPartition();
        var (a, b) = (fixture.NewJob(partition), fixture.NewJob(partition));
        var hub = fixture.NewHub();
        var ofA = Channel.CreateUnbounded<JobEvent>();
        var ofB = Channel.CreateUnbounded<JobEvent>();
        await using var listenerA = await hub.ListenAsync(a, ofA.Writer);
        await using var listenerB = await hub.ListenAsync(b, ofB.Writer);

        // What a silo's death does to a memory stream: the subscription is gone, the hub does not know.
        var lost = Assert.Single(await fixture.WaitForSubscriptionsAsync(partition, 1));
        await lost.UnsubscribeAsync();
        await fixture.WaitForSubscriptionsAsync(partition, 0);

        await hub.RenewAsync(a, TimeSpan.Zero);
        await fixture.WaitForSubscriptionsAsync(partition, 1);
        await fixture.PublishAsync(a, 1);
        await fixture.PublishAsync(b, 1);
        Assert.Equal(new long[] { 1 }, await ReadUntilAsync(ofA.Reader, a, 1));
        Assert.Equal(new long[] { 1 }, await ReadUntilAsync(ofB.Reader, b, 1));
    }

    [Fact]
    public async Task Listeners_joining_and_leaving_from_many_threads_share_one_subscription_and_leave_none()
    {
        const int Jobs = 8;
        const int ListenersPerJob = 16;
        var partition = fixture.NewPartition();
        var jobs = Enumerable.Range(0, Jobs).Select(_ => fixture.NewJob(partition)).ToArray();
        var hub = fixture.NewHub();
        var followers = jobs.SelectMany(job => Enumerable.Range(0, ListenersPerJob).Select(_ => (Job: job, Events: Channel.CreateUnbounded<JobEvent>()))).ToArray();

        var listeners = await Task.WhenAll(followers.Select(f => Task.Run(() => hub.ListenAsync(f.Job, f.Events.Writer))));
        var subscription = Assert.Single(await fixture.WaitForSubscriptionsAsync(partition, 1)).HandleId;
        foreach (var job in jobs)
        {
            await fixture.PublishAsync(job, 1);
        }
        foreach (var (job, events) in followers)
        {
            Assert.Equal(new long[] { 1 }, await ReadUntilAsync(events.Reader, job, 1));
        }

        // Half the listeners leave while their writers join again, all at once; the other half stay
        // throughout, so the partition keeps the one subscription it had.
        var half = followers.Length / 2;
        var leaving = listeners.Take(half).Select(l => Task.Run(async () => await l.DisposeAsync())).ToArray();
        var rejoining = followers.Take(half).Select(f => Task.Run(() => hub.ListenAsync(f.Job, f.Events.Writer))).ToArray();
        await Task.WhenAll(leaving.Concat<Task>(rejoining));
        Assert.Equal(subscription, Assert.Single(await fixture.SubscriptionsAsync(partition)).HandleId);

        // Every writer is registered exactly once again: one copy of each new event, none missing.
        foreach (var job in jobs)
        {
            await fixture.PublishAsync(job, 2);
        }
        foreach (var (job, events) in followers)
        {
            Assert.Equal(new long[] { 2 }, await ReadUntilAsync(events.Reader, job, 2));
            Assert.False(events.Reader.TryRead(out var extra), $"job {job}: a second copy of seq {extra?.Seq}");
        }

        await Task.WhenAll(listeners.Skip(half).Concat(rejoining.Select(t => t.Result))
            .Select(l => Task.Run(async () => await l.DisposeAsync())));
        await fixture.WaitForSubscriptionsAsync(partition, 0);
    }

    /// <summary>The seqs of what <paramref name="reader"/> got up to the job's event <paramref name="seq"/>; fails on another job's event.</summary>
    private static async Task<long[]> ReadUntilAsync(ChannelReader<JobEvent> reader, Guid jobId, long seq)
    {
        var seen = new List<long>();
        using var deadline = new CancellationTokenSource(Timeout);
        try
        {
            while (true)
            {
                var e = await reader.ReadAsync(deadline.Token);
                Assert.True(e.JobId == jobId, $"a listener of job {jobId} got an event of job {e.JobId} (seq {e.Seq}) after seqs [{string.Join(", ", seen)}]");
                seen.Add(e.Seq);
                if (e.Seq == seq)
                {
                    return [.. seen];
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"job {jobId}: no seq {seq} within {Timeout.TotalSeconds} s; got [{string.Join(", ", seen)}]");
        }
    }

    /// <summary>One silo in this process, with memory streams as the product configures them by name.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private IHost? _host;
        private int _lastPartition = -1;

        private IHost Host => _host ?? throw new InvalidOperationException("The silo is not started.");

        private IClusterClient Client => Host.Services.GetRequiredService<IClusterClient>();

        public async Task InitializeAsync()
        {
            var ports = FreePorts.Allocate(2);
            var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            builder.UseOrleans(silo => silo
                .UseLocalhostClustering(ports[0], ports[1], serviceId: "hub-tests", clusterId: $"hub-tests-{Guid.NewGuid():N}")
                .AddMemoryGrainStorage("PubSubStore")
                .AddMemoryStreams(StreamNames.Provider));
            _host = builder.Build();
            await _host.StartAsync();
        }

        public async Task DisposeAsync()
        {
            if (_host is not null)
            {
                await _host.StopAsync();
                _host.Dispose();
            }
        }

        /// <summary>A hub of its own per test, as a gateway has; partitions keep the tests apart.</summary>
        public JobEventHub NewHub() =>
            new(Client, TimeProvider.System, new GatewayMetrics(Host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()), Host.Services.GetRequiredService<ILogger<JobEventHub>>());

        /// <summary>A partition no other test of this class uses.</summary>
        public int NewPartition()
        {
            var partition = Interlocked.Increment(ref _lastPartition);
            return partition < StreamNames.Partitions ? partition : throw new InvalidOperationException("Out of partitions.");
        }

        /// <summary>A new job id in <paramref name="partition"/> (about one in 64 random ids is).</summary>
        public Guid NewJob(int partition)
        {
            while (true)
            {
                var jobId = Guid.CreateVersion7();
                if (StreamNames.PartitionOf(jobId) == partition)
                {
                    return jobId;
                }
            }
        }

        public Task PublishAsync(Guid jobId, long seq) =>
            Stream(StreamNames.PartitionOf(jobId)).OnNextAsync(new JobEvent
            {
                Type = JobEventType.Progress,
                JobId = jobId,
                Seq = seq,
                Progress = new JobProgress { Status = JobStatus.Processing, Phase = JobPhase.Fetching, FilesDone = (int)seq },
                At = DateTimeOffset.UtcNow,
            });

        /// <summary>This process's subscriptions to the partition's stream, as its pub-sub has them.</summary>
        public async Task<IList<StreamSubscriptionHandle<JobEvent>>> SubscriptionsAsync(int partition) =>
            await Stream(partition).GetAllSubscriptionHandles();

        /// <summary>Waits until the partition has exactly <paramref name="count"/> subscriptions; returns them.</summary>
        public async Task<IList<StreamSubscriptionHandle<JobEvent>>> WaitForSubscriptionsAsync(int partition, int count)
        {
            IList<StreamSubscriptionHandle<JobEvent>> last = [];
            await Poll.UntilAsync($"{count} subscription(s) to partition {partition}", Timeout, async _ =>
            {
                last = await SubscriptionsAsync(partition);
                return last.Count == count;
            }, () => $"last seen: {last.Count} subscription(s)");
            return last;
        }

        private IAsyncStream<JobEvent> Stream(int partition) =>
            Client.GetStreamProvider(StreamNames.Provider)
                .GetStream<JobEvent>(StreamId.Create(StreamNames.PartitionNamespace, StreamNames.PartitionKey(partition)));
    }
}
