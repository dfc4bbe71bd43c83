using System.Net.WebSockets;
using System.Text.Json;
using Delineate.Abstractions;
using Delineate.Gateway.Progress;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// The send timeout (<c>STREAM_SEND_TIMEOUT_MS</c>) on a transport that never takes a byte, as a client
/// whose receive window stays full looks to the gateway: the send gives up, a WebSocket is offered a
/// 1008 close and aborted, an SSE response is aborted, and the connection is released
/// (<see cref="IProgressSink.Gone"/>), which is what frees its buffers. Loopback's kernel and Kestrel
/// buffers are too large to fill this way from a black-box test (see <see cref="SocketFloodTests"/>).
/// </summary>
public sealed class StuckClientTests
{
    private static readonly TimeSpan SendTimeout = TimeSpan.FromMilliseconds(200);
    private static readonly ProgressEventJson Message = new(
        JobEventType.Progress, Guid.CreateVersion7(), 1, JobStatus.Processing, JobPhase.Fetching, 10, 1, 10, 0, 0, 100, null, null, DateTimeOffset.UtcNow, null);

    [Fact]
    public async Task A_websocket_client_that_takes_nothing_is_sent_1008_aborted_and_released()
    {
        var socket = new StalledWebSocket();
        var (context, lifetime) = Context();
        using var sink = new WebSocketSink(socket, context, JsonSerializerOptions.Web, SendTimeout);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => sink.SendAsync(Message, CancellationToken.None));

        Assert.Contains("send timeout", error.Message, StringComparison.Ordinal);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseOffered);
        Assert.True(socket.Aborted, "the stuck socket is aborted");
        Assert.True(lifetime.Aborted, "the stuck connection is aborted");
        Assert.True(sink.Gone.IsCancellationRequested, "the relay is told the client is gone");
    }

    [Fact]
    public async Task A_websocket_send_that_completes_in_time_is_not_a_timeout()
    {
        var socket = new StalledWebSocket { TakesMessages = true };
        var (context, lifetime) = Context();
        using var sink = new WebSocketSink(socket, context, JsonSerializerOptions.Web, SendTimeout);

        await sink.SendAsync(Message, CancellationToken.None);

        Assert.Equal(1, socket.MessagesTaken);
        Assert.Null(socket.CloseOffered);
        Assert.False(lifetime.Aborted);
    }

    [Fact]
    public async Task An_sse_client_that_takes_nothing_is_aborted()
    {
        var (context, lifetime) = Context();
        context.Response.Body = new StalledStream();
        var sink = new ServerSentEventsSink(context.Response, JsonSerializerOptions.Web, SendTimeout);

        await Assert.ThrowsAsync<TimeoutException>(() => sink.SendAsync(Message, CancellationToken.None));
        await Assert.ThrowsAsync<TimeoutException>(() => sink.KeepAliveAsync(CancellationToken.None));

        Assert.True(lifetime.Aborted, "the stuck SSE connection is aborted");
    }

    private static (DefaultHttpContext Context, RecordingLifetime Lifetime) Context()
    {
        var context = new DefaultHttpContext();
        var lifetime = new RecordingLifetime();
        context.Features.Set<IHttpRequestLifetimeFeature>(lifetime);
        return (context, lifetime);
    }

    private sealed class RecordingLifetime : IHttpRequestLifetimeFeature
    {
        private readonly CancellationTokenSource _aborted = new();

        public bool Aborted { get; private set; }

        public CancellationToken RequestAborted { get => _aborted.Token; set { } }

        public void Abort()
        {
            Aborted = true;
            _aborted.Cancel();
        }
    }

    /// <summary>A WebSocket whose peer never reads: sends and closes wait until cancelled or aborted.</summary>
    private sealed class StalledWebSocket : WebSocket
    {
        private readonly TaskCompletionSource _aborted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private WebSocketState _state = WebSocketState.Open;

        public bool TakesMessages { get; init; }
        public int MessagesTaken { get; private set; }
        public WebSocketCloseStatus? CloseOffered { get; private set; }
        public bool Aborted { get; private set; }

        public override WebSocketCloseStatus? CloseStatus => null;
        public override string? CloseStatusDescription => null;
        public override WebSocketState State => _state;
        public override string? SubProtocol => null;

        public override void Abort()
        {
            Aborted = true;
            _state = WebSocketState.Aborted;
            _aborted.TrySetResult();
        }

        public override Task CloseAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken) =>
            CloseOutputAsync(closeStatus, statusDescription, cancellationToken);

        public override async Task CloseOutputAsync(WebSocketCloseStatus closeStatus, string? statusDescription, CancellationToken cancellationToken)
        {
            CloseOffered = closeStatus;
            await StalledAsync(cancellationToken);
        }

        public override async Task<WebSocketReceiveResult> ReceiveAsync(ArraySegment<byte> buffer, CancellationToken cancellationToken)
        {
            await StalledAsync(cancellationToken);
            throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely);
        }

        public override async Task SendAsync(ArraySegment<byte> buffer, WebSocketMessageType messageType, bool endOfMessage, CancellationToken cancellationToken)
        {
            if (TakesMessages)
            {
                MessagesTaken++;
                return;
            }
            await StalledAsync(cancellationToken);
        }

        public override void Dispose() => Abort();

        /// <summary>Waits until cancelled (throws) or aborted (throws as a real aborted socket does).</summary>
        private async Task StalledAsync(CancellationToken cancellationToken)
        {
            await _aborted.Task.WaitAsync(cancellationToken);
            throw new WebSocketException(WebSocketError.InvalidState);
        }
    }

    /// <summary>A response body whose client never reads: writes wait until cancelled.</summary>
    private sealed class StalledStream : MemoryStream
    {
        public override async Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            await Task.Delay(Timeout.Infinite, cancellationToken);

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            await Task.Delay(Timeout.Infinite, cancellationToken);

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.Delay(Timeout.Infinite, cancellationToken);
    }
}
