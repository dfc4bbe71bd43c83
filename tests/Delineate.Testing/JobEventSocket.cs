using System.Net.WebSockets;
using System.Text;

namespace Delineate.Testing;

/// <summary>A WebSocket subscriber to <c>/v1/download/subscribe/{jobId}</c> that collects every message until the server closes.</summary>
public static class JobEventSocket
{
    public static Uri SubscribeUri(Uri gatewayBase, string jobId, string? query = null)
    {
        var builder = new UriBuilder(new Uri(gatewayBase, $"/v1/download/subscribe/{jobId}"))
        {
            Scheme = gatewayBase.Scheme == "https" ? "wss" : "ws",
            Query = query ?? "",
        };
        return builder.Uri;
    }

    /// <summary>Connects and reads until the server's close frame; fails if that takes longer than <paramref name="timeout"/>.</summary>
    public static async Task<JobEventTranscript> CollectUntilCloseAsync(Uri uri, TimeSpan timeout)
    {
        using var socket = new ClientWebSocket();
        using var deadline = new CancellationTokenSource(timeout);
        var messages = new List<JsonElement>();
        try
        {
            await socket.ConnectAsync(uri, deadline.Token);
            var buffer = new byte[16 * 1024];
            using var message = new MemoryStream();
            while (true)
            {
                var received = await socket.ReceiveAsync(buffer, deadline.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    if (socket.State == WebSocketState.CloseReceived)
                    {
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    }

                    return new JobEventTranscript(messages, received.CloseStatus, received.CloseStatusDescription);
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                if (received.MessageType != WebSocketMessageType.Text)
                {
                    throw new InvalidOperationException($"Binary WebSocket message from {uri}; every message must be JSON text.");
                }

                var text = Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length);
                message.SetLength(0);
                using var document = JsonDocument.Parse(text);
                messages.Add(document.RootElement.Clone());
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"The server did not close {uri} within {timeout.TotalSeconds:F0} s.\n" +
                new JobEventTranscript(messages, null, null));
        }
        catch (WebSocketException ex)
        {
            throw new InvalidOperationException(
                $"WebSocket {uri} failed ({ex.WebSocketErrorCode}: {ex.Message}) before a close frame.\n" +
                new JobEventTranscript(messages, null, null),
                ex);
        }
    }
}
