using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;

namespace Delineate.Api.Tests.Support;

/// <summary>
/// Subscribers that never read: WebSockets that complete the handshake and never call Receive,
/// and raw TCP sockets (with a tiny receive buffer) that send the upgrade request and never read at all.
/// </summary>
public sealed class StalledSubscribers : IAsyncDisposable
{
    private readonly List<ClientWebSocket> _sockets = [];
    private readonly List<Socket> _raw = [];

    public int Count => _sockets.Count + _raw.Count;

    public async Task OpenWebSocketsAsync(HttpClient owner, string jobId, int count)
    {
        var uri = EventSocket.UriFor(owner.BaseAddress!, jobId);
        var headers = EventSocket.HeadersOf(owner);
        for (var i = 0; i < count; i++)
        {
            var socket = new ClientWebSocket();
            socket.Options.Proxy = null;
            foreach (var (name, value) in headers)
            {
                socket.Options.SetRequestHeader(name, value);
            }

            _sockets.Add(socket);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await socket.ConnectAsync(uri, timeout.Token);
        }
    }

    public async Task OpenRawUpgradesAsync(HttpClient owner, string jobId, int count)
    {
        var host = owner.BaseAddress!;
        var headers = string.Concat(EventSocket.HeadersOf(owner).Select(h => $"{h.Key}: {h.Value}\r\n"));
        for (var i = 0; i < count; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 1024 };
            _raw.Add(socket);
            await socket.ConnectAsync(host.Host, host.Port);
            var key = Convert.ToBase64String(Guid.NewGuid().ToByteArray());
            var request =
                $"GET /v1/download/subscribe/{jobId} HTTP/1.1\r\n" +
                $"Host: {host.Authority}\r\n" +
                "Upgrade: websocket\r\n" +
                "Connection: Upgrade\r\n" +
                $"Sec-WebSocket-Key: {key}\r\n" +
                "Sec-WebSocket-Version: 13\r\n" +
                headers +
                "\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var socket in _sockets)
        {
            socket.Abort();
            socket.Dispose();
        }

        foreach (var socket in _raw)
        {
            socket.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
