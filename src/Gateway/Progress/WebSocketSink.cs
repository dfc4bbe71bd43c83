using System.Net.WebSockets;
using System.Text.Json;
using Delineate.Gateway.Jobs;

namespace Delineate.Gateway.Progress;

/// <summary>
/// Progress over a WebSocket: one JSON text message per event; keep-alive is the server's ping
/// frames (never text). Reads what the client sends only to notice it closing. A message the client
/// does not take within the send timeout ends the connection: a close frame with 1008 (policy
/// violation) is offered for a moment, then the connection is aborted, which frees its buffers.
/// </summary>
public sealed class WebSocketSink : IProgressSink, IDisposable
{
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan StuckCloseTimeout = TimeSpan.FromSeconds(1);
    private readonly WebSocket _socket;
    private readonly HttpContext _context;
    private readonly JsonSerializerOptions _json;
    private readonly TimeSpan _sendTimeout;
    private readonly CancellationTokenSource _gone;
    private readonly Task _watcher;

    public WebSocketSink(WebSocket socket, HttpContext context, JsonSerializerOptions json, TimeSpan sendTimeout)
    {
        _socket = socket;
        _context = context;
        _json = json;
        _sendTimeout = sendTimeout;
        _gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        _watcher = WatchAsync();
    }

    public string Transport => "websocket";

    public CancellationToken Gone => _gone.Token;

    public async Task SendAsync(ProgressEventJson message, CancellationToken cancellationToken)
    {
        var send = _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message, _json), WebSocketMessageType.Text, true, cancellationToken);
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var timeout = Task.Delay(_sendTimeout, timer.Token);
        if (await Task.WhenAny(send, timeout) == send || cancellationToken.IsCancellationRequested)
        {
            await timer.CancelAsync();
            await send;
            return;
        }
        // The send is stuck behind a client that stopped reading: its fault is of no interest now.
        _ = send.ContinueWith(static t => _ = t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
        await DropStuckAsync();
        throw new TimeoutException("The WebSocket client took no message within the send timeout.");
    }

    public Task KeepAliveAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task CloseAsync(string reason) => CloseAsync(WebSocketCloseStatus.NormalClosure, reason);

    public Task GoingAwayAsync() => CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "gateway stopping");

    private async Task DropStuckAsync()
    {
        using var timeout = new CancellationTokenSource(StuckCloseTimeout);
        try
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, "send timeout", timeout.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or InvalidOperationException)
        {
        }
        _socket.Abort();
        _context.Abort();
        await _gone.CancelAsync();
    }

    private async Task CloseAsync(WebSocketCloseStatus status, string reason)
    {
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            using var timeout = new CancellationTokenSource(CloseHandshakeTimeout);
            try
            {
                await _socket.CloseOutputAsync(status, reason, timeout.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
            {
                return;
            }
        }
        // Wait briefly for the client's close frame, which the watcher reads.
        await Task.WhenAny(_watcher, Task.Delay(CloseHandshakeTimeout));
    }

    private async Task WatchAsync()
    {
        var buffer = new byte[1024];
        try
        {
            while (_socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var received = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
            }
            if (_socket.State == WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }
        finally
        {
            await _gone.CancelAsync();
        }
    }

    public void Dispose() => _gone.Dispose();
}
