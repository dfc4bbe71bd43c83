using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Delineate.Client;

/// <summary>
/// Follows one job's events over WebSocket, SSE or polling, resuming after the last seq it delivered
/// when a connection drops, and falling back to the next transport when one does not work here.
/// A transport "does not work" when it was refused in a way the plain API was not, or failed before
/// ever connecting while the status endpoint answered; a gateway that is down is waited for, not fled.
/// </summary>
internal sealed class JobEventWatcher(DelineateClient client, Guid jobId, WatchOptions options)
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(4);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan SseIdleTimeout = TimeSpan.FromSeconds(30);
    private const int FailuresBeforeFallback = 3;

    private long? _last = options.After;
    private bool _ended;
    private string? _closeReason;

    public async IAsyncEnumerable<JobEvent> WatchAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var transport = options.Transport == JobEventTransport.Auto ? JobEventTransport.WebSocket : options.Transport;
        var mayFallBack = options.Transport == JobEventTransport.Auto;
        var proven = false;
        var failures = 0;
        var reconnecting = false;
        var healthy = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var connected = false;
            var delivered = false;
            Exception? failure = null;
            _closeReason = null;
            void OnConnected()
            {
                connected = true;
                proven = true;
                reconnecting = false;
                healthy.Restart();
                Report(transport, ConnectionState.Connected, null);
            }
            await using (var events = Open(transport, OnConnected, cancellationToken).GetAsyncEnumerator(cancellationToken))
            {
                while (true)
                {
                    try
                    {
                        if (!await events.MoveNextAsync())
                        {
                            break;
                        }
                    }
                    catch (Exception ex) when (IsRecoverable(ex) && !cancellationToken.IsCancellationRequested)
                    {
                        failure = ex;
                        break;
                    }
                    healthy.Restart();
                    delivered = true;
                    failures = 0;
                    var e = events.Current;
                    if (Accept(e))
                    {
                        yield return e;
                        if (e.IsTerminal)
                        {
                            yield break;
                        }
                    }
                }
            }

            if (!delivered)
            {
                failures++;
            }
            var reason = failure is null ? $"the server closed the connection{(_closeReason is { Length: > 0 } r ? $" ({r})" : "")}" : Describe(failure);
            if (mayFallBack && transport != JobEventTransport.Polling && !connected
                && (failure is TransportUnavailableException || ((!proven || failures >= FailuresBeforeFallback) && await ServerAnswersAsync(cancellationToken))))
            {
                transport = transport == JobEventTransport.WebSocket ? JobEventTransport.ServerSentEvents : JobEventTransport.Polling;
                proven = false;
                failures = 0;
                reconnecting = false;
                Report(transport, ConnectionState.FellBack, reason);
                continue;
            }
            if (failure is TransportUnavailableException unavailable)
            {
                throw unavailable;
            }
            if (healthy.Elapsed > options.ReconnectTimeout)
            {
                throw new DelineateConnectionException(client.BaseAddress,
                    $"Lost the progress of job {jobId} and could not get it back within {options.ReconnectTimeout.TotalSeconds:0} s: {reason}", failure);
            }
            if (!reconnecting)
            {
                // Once per outage, not once per attempt.
                reconnecting = true;
                Report(transport, ConnectionState.Reconnecting, reason);
            }
            var wait = Backoff(failures, (failure as DelineateProblemException)?.RetryAfter);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, cancellationToken);
            }
        }
    }

    /// <summary>Whether the event is new: seq above the last one delivered; a terminal event also at the same seq, once.</summary>
    private bool Accept(JobEvent e)
    {
        if (_ended)
        {
            return false;
        }
        if (e.IsTerminal)
        {
            if (_last is { } seen && e.Seq < seen)
            {
                return false;
            }
            _ended = true;
            _last = Math.Max(e.Seq, _last ?? e.Seq);
            return true;
        }
        if (_last is { } last && e.Seq <= last)
        {
            return false;
        }
        _last = e.Seq;
        return true;
    }

    private IAsyncEnumerable<JobEvent> Open(JobEventTransport transport, Action connected, CancellationToken cancellationToken) => transport switch
    {
        JobEventTransport.WebSocket => WebSocketEventsAsync(connected, cancellationToken),
        JobEventTransport.ServerSentEvents => ServerSentEventsAsync(connected, cancellationToken),
        _ => PollingEventsAsync(connected, cancellationToken),
    };

    private async IAsyncEnumerable<JobEvent> WebSocketEventsAsync(Action connected, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = _last is { } after ? "?after=" + after.ToString(CultureInfo.InvariantCulture) : "";
        var uri = client.WebSocketUri($"v1/download/subscribe/{jobId}{query}");
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        // Our own pings, answered or not, notice a peer that vanished without closing.
        socket.Options.KeepAliveInterval = TimeSpan.FromSeconds(10);
        socket.Options.KeepAliveTimeout = TimeSpan.FromSeconds(20);
        foreach (var (name, value) in client.OwnerHeaders())
        {
            socket.Options.SetRequestHeader(name, value);
        }
        await ConnectAsync(socket, uri, cancellationToken);
        connected();
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (await ReceiveTextAsync(socket, buffer, message, cancellationToken) is { } text)
            {
                yield return Parse(text);
            }
        }
        finally
        {
            if (socket.State == WebSocketState.Open)
            {
                // The consumer stopped early: say goodbye rather than vanish.
                using var close = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                try
                {
                    await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, close.Token);
                }
                catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
                {
                }
            }
        }
    }

    private async Task ConnectAsync(ClientWebSocket socket, Uri uri, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(options.ConnectTimeout);
        try
        {
            await socket.ConnectAsync(uri, deadline.Token);
        }
        catch (WebSocketException) when (socket.HttpStatusCode is not ((HttpStatusCode)0 or HttpStatusCode.SwitchingProtocols))
        {
            var status = socket.HttpStatusCode;
            if (DelineateClient.IsRetryable(status))
            {
                throw new DelineateProblemException((int)status, "WebSocket upgrade refused", retryAfter: RetryAfterOf(socket.HttpResponseHeaders));
            }
            await ThrowIfJobUnreachableAsync(cancellationToken);
            throw new TransportUnavailableException(JobEventTransport.WebSocket, $"the WebSocket upgrade was answered {(int)status}");
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"the WebSocket connection took longer than {options.ConnectTimeout.TotalSeconds:0} s", ex);
        }
    }

    private async Task<string?> ReceiveTextAsync(ClientWebSocket socket, byte[] buffer, MemoryStream message, CancellationToken cancellationToken)
    {
        message.SetLength(0);
        while (true)
        {
            var received = await socket.ReceiveAsync(buffer, cancellationToken);
            if (received.MessageType == WebSocketMessageType.Close)
            {
                _closeReason = $"{(int?)received.CloseStatus} {received.CloseStatusDescription}".Trim();
                if (socket.State == WebSocketState.CloseReceived)
                {
                    using var close = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                    try
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, close.Token);
                    }
                    catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
                    {
                    }
                }
                return null;
            }
            message.Write(buffer, 0, received.Count);
            if (!received.EndOfMessage)
            {
                continue;
            }
            if (received.MessageType == WebSocketMessageType.Text)
            {
                return Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
            }
            message.SetLength(0);
        }
    }

    private async IAsyncEnumerable<JobEvent> ServerSentEventsAsync(Action connected, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = client.Request(HttpMethod.Get, $"v1/download/events/{jobId}");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (_last is { } after)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", after.ToString(CultureInfo.InvariantCulture));
        }
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken, options.ConnectTimeout);
        if (!response.IsSuccessStatusCode)
        {
            var problem = await DelineateProblemException.FromResponseAsync(response, cancellationToken);
            if (DelineateClient.IsRetryable(response.StatusCode) || response.StatusCode == HttpStatusCode.BadRequest)
            {
                throw problem;
            }
            await ThrowIfJobUnreachableAsync(cancellationToken);
            throw new TransportUnavailableException(JobEventTransport.ServerSentEvents, $"the events URL answered {problem.Message}");
        }
        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            throw new TransportUnavailableException(JobEventTransport.ServerSentEvents,
                $"the events URL answered {response.Content.Headers.ContentType?.MediaType ?? "no content type"}, not text/event-stream");
        }
        connected();
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        var reader = new ServerSentEventReader(stream, SseIdleTimeout);
        while (await reader.ReadDataAsync(cancellationToken) is { } data)
        {
            yield return Parse(data);
        }
    }

    private async IAsyncEnumerable<JobEvent> PollingEventsAsync(Action connected, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var first = true;
        while (true)
        {
            var state = await client.GetStatusAsync(jobId, cancellationToken);
            if (first)
            {
                connected();
                first = false;
            }
            if (state.Status.IsTerminal())
            {
                yield return JobEvent.FromState(state, state.Status.TerminalEventType());
                yield break;
            }
            yield return JobEvent.FromState(state, _last is null ? JobEventType.Snapshot : JobEventType.Progress);
            await Task.Delay(options.PollInterval, cancellationToken);
        }
    }

    /// <summary>Throws the service's problem when the job cannot be read at all (unknown, not yours, no key): then no transport helps.</summary>
    private async Task ThrowIfJobUnreachableAsync(CancellationToken cancellationToken) => await client.GetStatusAsync(jobId, cancellationToken);

    /// <summary>Whether the status endpoint answers: then a transport that keeps failing is the transport's fault.</summary>
    private async Task<bool> ServerAnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            await client.GetStatusAsync(jobId, cancellationToken);
            return true;
        }
        catch (Exception ex) when (IsRecoverable(ex) && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static JobEvent Parse(string text) =>
        JsonSerializer.Deserialize<JobEvent>(text, DelineateJson.Options) ?? throw new JsonException("A progress message was JSON null.");

    private static bool IsRecoverable(Exception ex) => ex switch
    {
        DelineateProblemException problem => DelineateClient.IsRetryable((HttpStatusCode)problem.Status),
        DelineateConnectionException or TransportUnavailableException or WebSocketException or IOException or HttpRequestException or TimeoutException => true,
        OperationCanceledException => true,
        _ => false,
    };

    private static string Describe(Exception ex) => ex switch
    {
        WebSocketException ws when ws.InnerException is { } inner => $"{ws.Message} ({inner.Message})",
        _ => ex.Message,
    };

    private static TimeSpan Backoff(int failures, TimeSpan? retryAfter)
    {
        if (retryAfter is { } asked && asked > TimeSpan.Zero)
        {
            return asked < MaxRetryAfter ? asked : MaxRetryAfter;
        }
        if (failures == 0)
        {
            return TimeSpan.Zero;
        }
        var exponential = FirstBackoff * Math.Pow(2, Math.Min(failures - 1, 10));
        var capped = exponential < MaxBackoff ? exponential : MaxBackoff;
        return capped * (0.8 + (Random.Shared.NextDouble() * 0.4));
    }

    private static TimeSpan? RetryAfterOf(IReadOnlyDictionary<string, IEnumerable<string>>? headers) =>
        headers is not null && headers.TryGetValue("Retry-After", out var values)
            && int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : null;

    private void Report(JobEventTransport transport, ConnectionState state, string? reason) =>
        options.ConnectionChanged?.Invoke(new ConnectionChange(transport, state, reason, _last));
}
