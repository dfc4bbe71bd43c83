using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text;

namespace Delineate.Drills.Tests.Regressions;

/// <summary>A WebSocket subscriber that reads in the background and records every message and how the socket ended.</summary>
public sealed class SocketSubscriber : IDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentQueue<JsonElement> _messages = new();
    private readonly CancellationTokenSource _stop = new();

    private SocketSubscriber()
    {
    }

    public IReadOnlyList<JsonElement> Messages => _messages.ToArray();

    public Task Finished { get; private set; } = Task.CompletedTask;

    /// <summary>The close code received, or null when the connection ended without a close frame.</summary>
    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public string End { get; private set; } = "open";

    public DateTimeOffset? EndedAt { get; private set; }

    public long? LastSeq => _messages.LastOrDefault() is { ValueKind: JsonValueKind.Object } last ? last.Long("seq") : null;

    public static async Task<SocketSubscriber> ConnectAsync(Uri gateway, string jobId, string owner, long? after = null)
    {
        var subscriber = new SocketSubscriber();
        subscriber._socket.Options.SetRequestHeader("X-User-Id", owner);
        using var connect = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await subscriber._socket.ConnectAsync(JobEventSocket.SubscribeUri(gateway, jobId, after is { } seq ? $"after={seq}" : null), connect.Token);
        subscriber.Finished = subscriber.ReadAsync();
        return subscriber;
    }

    private async Task ReadAsync()
    {
        var buffer = new byte[16 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var received = await _socket.ReceiveAsync(buffer, _stop.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    CloseStatus = received.CloseStatus;
                    End = $"close {(int?)received.CloseStatus} {received.CloseStatusDescription}";
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", closing.Token);
                    }

                    return;
                }

                message.Write(buffer, 0, received.Count);
                if (received.EndOfMessage)
                {
                    _messages.Enqueue(JsonElementExtensions.ParseJson(Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length)));
                    message.SetLength(0);
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
            End = $"aborted without a close frame: {ex.GetType().Name}: {ex.Message}";
        }
        finally
        {
            EndedAt = DateTimeOffset.UtcNow;
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _stop.Dispose();
    }
}
