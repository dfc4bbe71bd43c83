using System.Net;
using System.Net.WebSockets;
using System.Text;

namespace Delineate.Api.Tests.Support;

/// <summary>A WebSocket client of <c>/v1/download/subscribe/{jobId}</c> that reads one event at a time and keeps them all.</summary>
public sealed class EventSocket : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly Uri _uri;
    private readonly List<ReceivedEvent> _events = [];
    private readonly byte[] _buffer = new byte[16 * 1024];

    private EventSocket(ClientWebSocket socket, Uri uri)
    {
        _socket = socket;
        _uri = uri;
    }

    public IReadOnlyList<ReceivedEvent> Events => _events;

    public WebSocketCloseStatus? CloseStatus { get; private set; }

    public bool Closed { get; private set; }

    public string Transcript => $"{_uri} (close: {CloseStatus?.ToString() ?? "none"})\n{EventStreamAssert.Describe(_events)}";

    public static Uri UriFor(Uri gatewayBase, string jobId, string? query = null) => JobEventSocket.SubscribeUri(gatewayBase, jobId, query);

    /// <summary>Connects; throws <see cref="WebSocketException"/> when the server refuses the upgrade.</summary>
    public static async Task<EventSocket> ConnectAsync(
        Uri gatewayBase,
        string jobId,
        string? query = null,
        IReadOnlyDictionary<string, string>? headers = null,
        TimeSpan? timeout = null)
    {
        var (socket, uri) = Create(gatewayBase, jobId, query, headers);
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        try
        {
            await socket.ConnectAsync(uri, deadline.Token);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new EventSocket(socket, uri);
    }

    /// <summary>Connects as <paramref name="client"/> does: its base address and default headers (the owner).</summary>
    public static Task<EventSocket> ConnectAsync(HttpClient client, string jobId, string? query = null, TimeSpan? timeout = null) =>
        ConnectAsync(client.BaseAddress!, jobId, query, HeadersOf(client), timeout);

    /// <summary>The request headers <paramref name="client"/> sends on every request.</summary>
    public static Dictionary<string, string> HeadersOf(HttpClient client) =>
        client.DefaultRequestHeaders.ToDictionary(h => h.Key, h => string.Join(",", h.Value));

    /// <summary>Tries to connect and returns the HTTP status of the refusal (or 101 when it was accepted).</summary>
    public static async Task<HttpStatusCode> HandshakeStatusAsync(
        Uri gatewayBase,
        string jobId,
        IReadOnlyDictionary<string, string>? headers = null,
        string? query = null)
    {
        var (socket, uri) = Create(gatewayBase, jobId, query, headers);
        using (socket)
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await socket.ConnectAsync(uri, deadline.Token);
                socket.Abort();
                return HttpStatusCode.SwitchingProtocols;
            }
            catch (WebSocketException)
            {
                return socket.HttpStatusCode;
            }
        }
    }

    /// <summary>The next event, or null once the server has closed the socket.</summary>
    public async Task<ReceivedEvent?> ReceiveAsync(TimeSpan timeout)
    {
        if (Closed)
        {
            return null;
        }

        using var deadline = new CancellationTokenSource(timeout);
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                var received = await _socket.ReceiveAsync(_buffer, deadline.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    Closed = true;
                    CloseStatus = received.CloseStatus;
                    if (_socket.State == WebSocketState.CloseReceived)
                    {
                        await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", CancellationToken.None);
                    }

                    return null;
                }

                message.Write(_buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                Assert.True(received.MessageType == WebSocketMessageType.Text, $"a binary message; every message must be JSON text\n{Transcript}");
                var e = ReceivedEvent.Parse(Encoding.UTF8.GetString(message.GetBuffer(), 0, (int)message.Length));
                _events.Add(e);
                return e;
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"No WebSocket message within {timeout.TotalSeconds:F0} s.\n{Transcript}");
        }
        catch (WebSocketException ex)
        {
            throw new InvalidOperationException($"WebSocket failed before a close frame ({ex.WebSocketErrorCode}: {ex.Message}).\n{Transcript}", ex);
        }
    }

    /// <summary>Reads until the server closes; returns every event received on this socket.</summary>
    public async Task<IReadOnlyList<ReceivedEvent>> ReadUntilClosedAsync(TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (await ReceiveAsync(Remaining(timeout, clock)) is not null)
        {
        }

        return _events;
    }

    /// <summary>Reads until an event matches <paramref name="condition"/>; returns it.</summary>
    public async Task<ReceivedEvent> ReadUntilAsync(Func<ReceivedEvent, bool> condition, TimeSpan timeout, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var e = await ReceiveAsync(Remaining(timeout, clock))
                ?? throw new InvalidOperationException($"The server closed before {what}.\n{Transcript}");
            if (condition(e))
            {
                return e;
            }
        }
    }

    /// <summary>Drops the connection without a close handshake, as a client that goes away does.</summary>
    public void Abort() => _socket.Abort();

    public ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }

    private static TimeSpan Remaining(TimeSpan timeout, System.Diagnostics.Stopwatch clock)
    {
        var left = timeout - clock.Elapsed;
        return left > TimeSpan.FromMilliseconds(1) ? left : TimeSpan.FromMilliseconds(1);
    }

    private static (ClientWebSocket Socket, Uri Uri) Create(
        Uri gatewayBase,
        string jobId,
        string? query,
        IReadOnlyDictionary<string, string>? headers)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        socket.Options.Proxy = null;
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            socket.Options.SetRequestHeader(name, value);
        }

        return (socket, UriFor(gatewayBase, jobId, query));
    }
}
