using System.Threading.Channels;
using Delineate.Abstractions;
using Delineate.Gateway.Jobs;
using Delineate.Gateway.Errors;
using Delineate.Gateway.Hosting;

namespace Delineate.Gateway.Progress;

/// <summary>
/// Relays one job's progress stream to one client: a snapshot (or, when resuming after a seq, the
/// events missed since), then newer events, then the terminal event and a normal close. Events a
/// slow client has not taken are coalesced (the oldest progress is dropped, never the terminal
/// event), so it neither slows others nor grows memory. When the stream has been silent a while
/// and the job has moved on (a silo died and the memory stream lost the subscription), it
/// resubscribes and sends a fresh snapshot. The silent-stream checks go through
/// <see cref="JobStatusPoller"/>: one header per job per interval on this gateway, not one status per
/// connection. A client that does not take a message within the send timeout is dropped (the sink
/// throws <see cref="TimeoutException"/> after closing it).
/// </summary>
public sealed class JobEventRelay(IClusterClient cluster, JobEventHub hub, JobStatusPoller poller, GatewayMetrics metrics, IHostApplicationLifetime lifetime, ILogger<JobEventRelay> logger)
{
    private const int BufferedEvents = 64;
    private static readonly TimeSpan SilenceBeforeResync = TimeSpan.FromSeconds(3);
    /// <summary>A queued job has nothing to say until it is admitted: its quiet checks back off to one in this many silences.</summary>
    private const int MaxQuietTicksWhileQueued = 4;

    public async Task RelayAsync(IProgressSink sink, Guid jobId, long? after)
    {
        // Stops when the client goes away or this gateway stops (then the client is told so and resumes elsewhere).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(sink.Gone, lifetime.ApplicationStopping);
        var gone = stop.Token;
        using var connection = metrics.Connected(sink.Transport);
        sink = new CountingSink(sink, metrics);
        var grain = cluster.GetGrain<IDownloadJobGrain>(jobId);
        var events = Channel.CreateBounded<JobEvent>(new BoundedChannelOptions(BufferedEvents)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        await using var listener = await hub.ListenAsync(jobId, events.Writer);
        try
        {
            var (last, finished) = await StartAsync(sink, grain, after, gone);
            var filled = false;
            var (quietTicks, checkEvery) = (0, 1);
            if (finished)
            {
                await sink.CloseAsync("job finished");
                return;
            }
            while (!gone.IsCancellationRequested)
            {
                var ready = events.Reader.WaitToReadAsync(gone).AsTask();
                if (await Task.WhenAny(ready, Task.Delay(SilenceBeforeResync, gone)) != ready)
                {
                    await sink.KeepAliveAsync(gone);
                    if (++quietTicks < checkEvery)
                    {
                        continue;
                    }
                    quietTicks = 0;
                    JobHeader? current;
                    try
                    {
                        current = await poller.HeaderAsync(jobId);
                    }
                    catch (Exception ex) when (ClusterUnavailableHandler.IsUnavailable(ex))
                    {
                        // A silo just died and this client still knew it: try again next tick.
                        logger.LogInformation("Status of job {JobId} unavailable ({Reason}); retrying", jobId, ex.GetType().Name);
                        continue;
                    }
                    if (current is null)
                    {
                        await sink.CloseAsync("job expired");
                        return;
                    }
                    // Unchanged and queued: the next check waits longer (a lost admission event is found within
                    // MaxQuietTicksWhileQueued silences); any other answer keeps checking every silence.
                    checkEvery = current.Status == JobStatus.Queued && current.Seq <= last ? Math.Min(checkEvery * 2, MaxQuietTicksWhileQueued) : 1;
                    if (current.Seq > last || current.Status.IsTerminal())
                    {
                        logger.LogInformation("Progress of job {JobId} went quiet at seq {Seq}; resubscribing", jobId, last);
                        JobSnapshot? snapshot;
                        try
                        {
                            await hub.RenewAsync(jobId, SilenceBeforeResync);
                            snapshot = await poller.SnapshotAsync(jobId);
                        }
                        catch (Exception ex) when (ClusterUnavailableHandler.IsUnavailable(ex))
                        {
                            continue;
                        }
                        if (snapshot is null)
                        {
                            await sink.CloseAsync("job expired");
                            return;
                        }
                        last = snapshot.Seq;
                        filled = false;
                        if (await SendSnapshotAsync(sink, snapshot, gone))
                        {
                            await sink.CloseAsync("job finished");
                            return;
                        }
                    }
                    continue;
                }
                await ready;
                (quietTicks, checkEvery) = (0, 1);
                while (events.Reader.TryRead(out var next))
                {
                    if (next.Seq <= last)
                    {
                        continue;
                    }
                    if (next.Seq > last + 1 && !filled)
                    {
                        // A job publishes its admission before storing it, and a snapshot shows the stored
                        // seq: a follower that joined in between missed it. Fetched once, from the history.
                        filled = true;
                        (last, var over) = await SendMissedAsync(sink, grain, last, next.Seq, gone);
                        if (over)
                        {
                            await sink.CloseAsync("job finished");
                            return;
                        }
                    }
                    last = next.Seq;
                    await sink.SendAsync(next.ToJson(), gone);
                    if (IsTerminal(next.Type))
                    {
                        await sink.CloseAsync("job finished");
                        return;
                    }
                }
            }
        }
        catch (TimeoutException)
        {
            // The client took nothing for the send timeout: the sink closed it and let its buffers go.
            logger.LogInformation("Relay of job {JobId} dropped a {Transport} client that stopped reading", jobId, sink.Transport);
            metrics.Stuck(sink.Transport);
            return;
        }
        catch (Exception ex) when (gone.IsCancellationRequested || ex is System.Net.WebSockets.WebSocketException or IOException)
        {
            // The client went away, or this gateway is stopping.
        }
        catch (Exception ex) when (ClusterUnavailableHandler.IsUnavailable(ex))
        {
            // The cluster did not answer where the relay cannot wait: the client reconnects and resumes.
            logger.LogWarning("Relay of job {JobId} ended: cluster unavailable ({Reason})", jobId, ex.GetType().Name);
            await GoingAwayQuietlyAsync(sink);
            return;
        }
        if (lifetime.ApplicationStopping.IsCancellationRequested && !sink.Gone.IsCancellationRequested)
        {
            await GoingAwayQuietlyAsync(sink);
        }
    }

    private static async Task GoingAwayQuietlyAsync(IProgressSink sink)
    {
        try
        {
            await sink.GoingAwayAsync();
        }
        catch (Exception ex) when (ex is System.Net.WebSockets.WebSocketException or IOException or OperationCanceledException)
        {
        }
    }

    /// <summary>Sends what the client lacks; returns the last seq it now has and whether the job is over.</summary>
    private static async Task<(long Last, bool Finished)> StartAsync(IProgressSink sink, IDownloadJobGrain grain, long? after, CancellationToken gone)
    {
        if (after is { } resumeAfter && await grain.GetEventsAfter(resumeAfter) is { } missed)
        {
            var last = resumeAfter;
            foreach (var e in missed)
            {
                await sink.SendAsync(e.ToJson(), gone);
                last = e.Seq;
                if (IsTerminal(e.Type))
                {
                    return (last, true);
                }
            }
            var status = await grain.GetStatus();
            if (status is null)
            {
                return (last, true);
            }
            if (status.Progress.Status.IsTerminal() && status.Seq <= last)
            {
                // The client has every event but missed the end: repeat the terminal event.
                await sink.SendAsync(status.ToEvent(status.Progress.Status.TerminalEventType()), gone);
                return (last, true);
            }
            return (last, false);
        }
        var snapshot = await grain.GetStatus();
        if (snapshot is null)
        {
            return (0, true);
        }
        return (snapshot.Seq, await SendSnapshotAsync(sink, snapshot, gone));
    }

    /// <summary>
    /// Sends the published events between <paramref name="last"/> and <paramref name="before"/> that the
    /// job still keeps; returns the last seq sent and whether one of them ended the job.
    /// </summary>
    private static async Task<(long Last, bool Finished)> SendMissedAsync(IProgressSink sink, IDownloadJobGrain grain, long last, long before, CancellationToken gone)
    {
        IReadOnlyList<JobEvent>? missed;
        try
        {
            missed = await grain.GetEventsAfter(last);
        }
        catch (Exception ex) when (ClusterUnavailableHandler.IsUnavailable(ex))
        {
            // The newer event goes out anyway: a gap, as before there was a history to ask.
            return (last, false);
        }
        foreach (var e in missed ?? [])
        {
            if (e.Seq <= last || e.Seq >= before)
            {
                continue;
            }
            await sink.SendAsync(e.ToJson(), gone);
            last = e.Seq;
            if (IsTerminal(e.Type))
            {
                return (last, true);
            }
        }
        return (last, false);
    }

    /// <summary>Sends the snapshot, and the terminal event too when the job has finished; true if it has.</summary>
    private static async Task<bool> SendSnapshotAsync(IProgressSink sink, JobSnapshot snapshot, CancellationToken gone)
    {
        await sink.SendAsync(snapshot.ToEvent(JobEventType.Snapshot), gone);
        var status = snapshot.Progress.Status;
        if (!status.IsTerminal())
        {
            return false;
        }
        await sink.SendAsync(snapshot.ToEvent(status.TerminalEventType()), gone);
        return true;
    }

    /// <summary>Counts what is relayed, whatever the transport.</summary>
    private sealed class CountingSink(IProgressSink inner, GatewayMetrics metrics) : IProgressSink
    {
        public string Transport => inner.Transport;
        public CancellationToken Gone => inner.Gone;

        public async Task SendAsync(ProgressEventJson message, CancellationToken cancellationToken)
        {
            await inner.SendAsync(message, cancellationToken);
            metrics.Relayed(inner.Transport);
        }

        public Task KeepAliveAsync(CancellationToken cancellationToken) => inner.KeepAliveAsync(cancellationToken);
        public Task CloseAsync(string reason) => inner.CloseAsync(reason);
        public Task GoingAwayAsync() => inner.GoingAwayAsync();
    }

    private static bool IsTerminal(JobEventType type) => type is not (JobEventType.Progress or JobEventType.Snapshot);
}
