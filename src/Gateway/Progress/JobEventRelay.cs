using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Delineate.Abstractions;
using Delineate.Gateway.Api;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace Delineate.Gateway.Progress;

/// <summary>
/// Relays one job's progress stream to one WebSocket: a snapshot, then newer events, then the
/// terminal event and a normal close. When the stream has been silent for a while and the job has
/// moved on (a silo died and the memory stream lost the subscription), it resubscribes and sends a
/// fresh snapshot.
/// </summary>
public sealed class JobEventRelay(IClusterClient cluster, IOptions<JsonOptions> json, ILogger<JobEventRelay> logger)
{
    /// <summary>Progress is coalesced beyond this many undelivered events; the terminal event is never dropped.</summary>
    private const int BufferedEvents = 64;
    private static readonly TimeSpan SilenceBeforeResync = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);

    private readonly JsonSerializerOptions _json = json.Value.SerializerOptions;

    public async Task RelayAsync(WebSocket socket, Guid jobId, long? after, CancellationToken aborted)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        var watcher = WatchForCloseAsync(socket, stop);
        var grain = cluster.GetGrain<IDownloadJobGrain>(jobId);
        var events = Channel.CreateBounded<JobEvent>(new BoundedChannelOptions(BufferedEvents)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        StreamSubscriptionHandle<JobEvent>? subscription = null;
        try
        {
            subscription = await SubscribeAsync(jobId, events.Writer);
            var last = after ?? -1;
            var snapshot = await grain.GetStatus();
            if (snapshot is null)
            {
                await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, "job not found", watcher);
                return;
            }
            if (await SendSnapshotAsync(socket, snapshot, stop.Token))
            {
                await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, "job finished", watcher);
                return;
            }
            last = Math.Max(last, snapshot.Seq);
            while (!stop.IsCancellationRequested)
            {
                var ready = events.Reader.WaitToReadAsync(stop.Token).AsTask();
                if (await Task.WhenAny(ready, Task.Delay(SilenceBeforeResync, stop.Token)) != ready)
                {
                    var current = await grain.GetStatus();
                    if (current is null)
                    {
                        await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, "job expired", watcher);
                        return;
                    }
                    if (current.Seq > last)
                    {
                        logger.LogInformation("Progress of job {JobId} went quiet at seq {Seq}; resubscribing", jobId, last);
                        await UnsubscribeQuietlyAsync(subscription);
                        subscription = await SubscribeAsync(jobId, events.Writer);
                        last = current.Seq;
                        if (await SendSnapshotAsync(socket, current, stop.Token))
                        {
                            await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, "job finished", watcher);
                            return;
                        }
                    }
                    continue;
                }
                await ready;
                while (events.Reader.TryRead(out var next))
                {
                    if (next.Seq <= last)
                    {
                        continue;
                    }
                    last = next.Seq;
                    await SendAsync(socket, next.ToJson(), stop.Token);
                    if (next.Type is not (JobEventType.Progress or JobEventType.Snapshot))
                    {
                        await CloseAsync(socket, WebSocketCloseStatus.NormalClosure, "job finished", watcher);
                        return;
                    }
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
            // The client went away.
        }
        finally
        {
            await stop.CancelAsync();
            await UnsubscribeQuietlyAsync(subscription);
        }
    }

    /// <summary>Sends the snapshot, and the terminal event too when the job has finished; true if it has.</summary>
    private async Task<bool> SendSnapshotAsync(WebSocket socket, JobSnapshot snapshot, CancellationToken cancellationToken)
    {
        await SendAsync(socket, snapshot.ToEvent(JobEventType.Snapshot), cancellationToken);
        var status = snapshot.Progress.Status;
        if (!status.IsTerminal())
        {
            return false;
        }
        await SendAsync(socket, snapshot.ToEvent(status.TerminalEventType()), cancellationToken);
        return true;
    }

    private async Task<StreamSubscriptionHandle<JobEvent>> SubscribeAsync(Guid jobId, ChannelWriter<JobEvent> writer)
    {
        var stream = cluster.GetStreamProvider(StreamNames.Provider)
            .GetStream<JobEvent>(StreamId.Create(StreamNames.JobNamespace, jobId));
        return await stream.SubscribeAsync((e, _) =>
        {
            writer.TryWrite(e);
            return Task.CompletedTask;
        });
    }

    private async Task UnsubscribeQuietlyAsync(StreamSubscriptionHandle<JobEvent>? subscription)
    {
        if (subscription is null)
        {
            return;
        }
        try
        {
            await subscription.UnsubscribeAsync();
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Unsubscribing failed");
        }
    }

    private Task SendAsync(WebSocket socket, ProgressEventJson message, CancellationToken cancellationToken) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message, _json), WebSocketMessageType.Text, true, cancellationToken);

    /// <summary>Sends our close frame and waits briefly for the client's answer (read by the watcher).</summary>
    private static async Task CloseAsync(WebSocket socket, WebSocketCloseStatus status, string reason, Task watcher)
    {
        if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(CloseHandshakeTimeout);
            await socket.CloseOutputAsync(status, reason, timeout.Token);
        }
        await Task.WhenAny(watcher, Task.Delay(CloseHandshakeTimeout));
    }

    /// <summary>Reads (and ignores) what the client sends; stops the relay when it closes or drops.</summary>
    private static async Task WatchForCloseAsync(WebSocket socket, CancellationTokenSource stop)
    {
        var buffer = new byte[1024];
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var received = await socket.ReceiveAsync(buffer, CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
        finally
        {
            if (socket.State == WebSocketState.Open || socket.State == WebSocketState.CloseReceived)
            {
                try
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
                {
                }
            }
            await stop.CancelAsync();
        }
    }
}
