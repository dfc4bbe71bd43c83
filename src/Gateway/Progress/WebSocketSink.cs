using System.Net.WebSockets;
using System.Text.Json;
using Delineate.Gateway.Api;

namespace Delineate.Gateway.Progress;

/// <summary>
/// Progress over a WebSocket: one JSON text message per event; keep-alive is the server's ping
/// frames (never text). Reads what the client sends only to notice it closing.
/// </summary>
public sealed class WebSocketSink : IProgressSink, IDisposable
{
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);
    private readonly WebSocket _socket;
    private readonly JsonSerializerOptions _json;
    private readonly CancellationTokenSource _gone;
    private readonly Task _watcher;

    public WebSocketSink(WebSocket socket, JsonSerializerOptions json, CancellationToken aborted)
    {
        _socket = socket;
        _json = json;
        _gone = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        _watcher = WatchAsync();
    }

    public string Transport => "websocket";

    public CancellationToken Gone => _gone.Token;

    public Task SendAsync(ProgressEventJson message, CancellationToken cancellationToken) =>
        _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message, _json), WebSocketMessageType.Text, true, cancellationToken);

    public Task KeepAliveAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task CloseAsync(string reason) => CloseAsync(WebSocketCloseStatus.NormalClosure, reason);

    public Task GoingAwayAsync() => CloseAsync(WebSocketCloseStatus.EndpointUnavailable, "gateway stopping");

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
