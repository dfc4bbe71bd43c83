using System.Net;
using System.Net.WebSockets;
using System.Text;

namespace Delineate.Drills.Tests.Load;

/// <summary>
/// Follows one job the way a client would, until it sees the end: over a WebSocket or SSE
/// (reconnecting to another gateway with <c>?after=</c> / <c>Last-Event-ID</c> when the connection
/// is lost or the server goes away), or by polling the status.
/// </summary>
public sealed class JobFollower(DrillClient client)
{
    /// <summary>No message, keep-alive or ping for this long: the connection is treated as dead.</summary>
    private static readonly TimeSpan SilenceLimit = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    public Task FollowAsync(JobRecord job, CancellationToken stop) => job.Follow switch
    {
        FollowMode.WebSocket => FollowWebSocketAsync(job, stop),
        FollowMode.ServerSentEvents => FollowServerSentEventsAsync(job, stop),
        _ => FollowByPollingAsync(job, stop),
    };

    private async Task FollowWebSocketAsync(JobRecord job, CancellationToken stop)
    {
        var checker = new EventStreamChecker(job, "websocket");
        Uri? avoid = null;
        while (!stop.IsCancellationRequested)
        {
            var gateway = client.PickGateway(avoid);
            if (gateway is null)
            {
                await PauseAsync(stop);
                continue;
            }

            var query = checker.LastSeq is { } seq ? $"after={seq}" : "";
            var uri = JobEventSocket.SubscribeUri(gateway, job.JobId!, query);
            var opened = DateTimeOffset.UtcNow;
            var messages = 0;
            int? closeCode = null;
            string end;
            checker.NewConnection();
            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("X-User-Id", job.Owner);
            socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(5);
            socket.Options.KeepAliveTimeout = SilenceLimit;
            socket.Options.CollectHttpResponseDetails = true;
            try
            {
                using (var connect = CancellationTokenSource.CreateLinkedTokenSource(stop))
                {
                    connect.CancelAfter(ConnectTimeout);
                    await socket.ConnectAsync(uri, connect.Token);
                }

                client.Tally.Record("/v1/download/subscribe/{id}", 101, gateway.Authority);
                var buffer = new byte[16 * 1024];
                using var message = new MemoryStream();
                while (true)
                {
                    var received = await socket.ReceiveAsync(buffer, stop);
                    if (received.MessageType == WebSocketMessageType.Close)
                    {
                        closeCode = (int?)received.CloseStatus;
                        end = $"close {closeCode} {received.CloseStatusDescription}";
                        if (socket.State == WebSocketState.CloseReceived)
                        {
                            using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", closing.Token);
                        }

                        break;
                    }

                    message.Write(buffer, 0, received.Count);
                    if (!received.EndOfMessage)
                    {
                        continue;
                    }

                    if (received.MessageType != WebSocketMessageType.Text)
                    {
                        job.Violation($"websocket: a binary message from {gateway.Authority}");
                    }

                    var text = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
                    message.SetLength(0);
                    messages++;
                    if (checker.OnEvent(JsonElementExtensions.ParseJson(text)))
                    {
                        job.FollowerSawTerminalAt ??= DateTimeOffset.UtcNow;
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                end = "drill stopped following";
            }
            catch (Exception ex) when (ex is WebSocketException or HttpRequestException or IOException or OperationCanceledException)
            {
                var httpStatus = (int)socket.HttpStatusCode;
                if (httpStatus != 0 && httpStatus != (int)HttpStatusCode.SwitchingProtocols)
                {
                    end = $"connect failed (HTTP {httpStatus})";
                    client.Tally.Record("/v1/download/subscribe/{id}", httpStatus, gateway.Authority);
                }
                else if (httpStatus == 0)
                {
                    end = $"connect failed: {ex.GetType().Name}: {ex.Message}";
                    client.Tally.Record("/v1/download/subscribe/{id}", 0, gateway.Authority);
                }
                else
                {
                    end = $"aborted: {ex.GetType().Name}: {ex.Message}";
                }
            }

            job.Connection(new ConnectionRecord("websocket", gateway.Authority, opened, DateTimeOffset.UtcNow, messages, closeCode, end));
            job.TerminalAtSameSeq = checker.TerminalAtSameSeq;
            if (checker.SawTerminal)
            {
                if (closeCode != (int)WebSocketCloseStatus.NormalClosure)
                {
                    job.Violation($"websocket: after the terminal event the socket ended with '{end}', not a normal close");
                }

                return;
            }

            if (closeCode == (int)WebSocketCloseStatus.NormalClosure)
            {
                job.Violation($"websocket: normal close from {gateway.Authority} before the terminal event ({end})");
            }

            if (stop.IsCancellationRequested)
            {
                job.FollowerGaveUp = true;
                return;
            }

            // Going away (1001) or a dropped connection: resume on another gateway.
            avoid = gateway;
            if (closeCode != (int)WebSocketCloseStatus.EndpointUnavailable)
            {
                await PauseAsync(stop);
            }
        }

        job.FollowerGaveUp = !checker.SawTerminal;
    }

    private async Task FollowServerSentEventsAsync(JobRecord job, CancellationToken stop)
    {
        var checker = new EventStreamChecker(job, "sse");
        Uri? avoid = null;
        while (!stop.IsCancellationRequested)
        {
            var gateway = client.PickGateway(avoid);
            if (gateway is null)
            {
                await PauseAsync(stop);
                continue;
            }

            var opened = DateTimeOffset.UtcNow;
            var messages = 0;
            string end;
            checker.NewConnection();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, $"/v1/download/events/{job.JobId}"));
                request.Headers.Add("X-User-Id", job.Owner);
                request.Headers.Accept.ParseAdd("text/event-stream");
                if (checker.LastSeq is { } seq)
                {
                    request.Headers.Add("Last-Event-ID", seq.ToString());
                }

                using var connect = CancellationTokenSource.CreateLinkedTokenSource(stop);
                connect.CancelAfter(ConnectTimeout);
                using var response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, connect.Token);
                client.Tally.Record("/v1/download/events/{id}", (int)response.StatusCode, gateway.Authority,
                    response.IsSuccessStatusCode ? null : await response.Content.ReadAsStringAsync(connect.Token));
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    end = $"connect failed (HTTP {(int)response.StatusCode})";
                }
                else
                {
                    await using var body = await response.Content.ReadAsStreamAsync(stop);
                    using var reader = new StreamReader(body, Encoding.UTF8);
                    var data = new StringBuilder();
                    end = "stream ended";
                    while (true)
                    {
                        using var silence = CancellationTokenSource.CreateLinkedTokenSource(stop);
                        silence.CancelAfter(SilenceLimit);
                        string? line;
                        try
                        {
                            line = await reader.ReadLineAsync(silence.Token);
                        }
                        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                        {
                            end = $"silent for {SilenceLimit.TotalSeconds:F0} s (no event or keep-alive)";
                            break;
                        }

                        if (line is null)
                        {
                            break;
                        }

                        if (line.Length == 0)
                        {
                            if (data.Length > 0)
                            {
                                messages++;
                                var terminal = checker.OnEvent(JsonElementExtensions.ParseJson(data.ToString()));
                                data.Clear();
                                if (terminal)
                                {
                                    job.FollowerSawTerminalAt ??= DateTimeOffset.UtcNow;
                                }
                            }

                            continue;
                        }

                        if (line.StartsWith("data:", StringComparison.Ordinal))
                        {
                            data.Append(line.AsSpan(5).TrimStart(' '));
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                end = "drill stopped following";
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                end = $"aborted: {ex.GetType().Name}: {ex.Message}";
                if (messages == 0)
                {
                    client.Tally.Record("/v1/download/events/{id}", 0, gateway.Authority);
                }
            }

            job.Connection(new ConnectionRecord("sse", gateway.Authority, opened, DateTimeOffset.UtcNow, messages, null, end));
            job.TerminalAtSameSeq = checker.TerminalAtSameSeq;
            if (checker.SawTerminal)
            {
                return;
            }

            if (stop.IsCancellationRequested)
            {
                job.FollowerGaveUp = true;
                return;
            }

            avoid = gateway;
            await PauseAsync(stop);
        }

        job.FollowerGaveUp = !checker.SawTerminal;
    }

    private async Task FollowByPollingAsync(JobRecord job, CancellationToken stop)
    {
        var lastProgress = -1;
        long lastSeq = -1;
        Uri? gateway = null;
        while (!stop.IsCancellationRequested)
        {
            var (status, code, answered) = await client.TryGetStatusAsync(job.JobId!, job.Owner, gateway, stop);
            if (status is { } s)
            {
                var progress = (int)s.Long("progress");
                var seq = s.Long("seq");
                if (progress < lastProgress)
                {
                    job.Violation($"poll: progress went back from {lastProgress} to {progress} (seq {seq})");
                }

                if (seq < lastSeq)
                {
                    job.Violation($"poll: seq went back from {lastSeq} to {seq}");
                }

                lastProgress = Math.Max(lastProgress, progress);
                lastSeq = Math.Max(lastSeq, seq);
                if (JobStatuses.IsTerminal(s.String("status")))
                {
                    job.FollowerSawTerminalAt ??= DateTimeOffset.UtcNow;
                    return;
                }
            }
            else
            {
                // Try another gateway next time.
                gateway = client.PickGateway(answered);
                if (code == 404)
                {
                    Interlocked.Increment(ref job.NotFoundAnswers);
                }

                await PauseAsync(stop);
                continue;
            }

            try
            {
                await Task.Delay(PollInterval + TimeSpan.FromMilliseconds(Random.Shared.Next(250)), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        job.FollowerGaveUp = job.FollowerSawTerminalAt is null;
    }

    private static async Task PauseAsync(CancellationToken stop)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(300 + Random.Shared.Next(400)), stop);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
