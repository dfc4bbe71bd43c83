using Microsoft.AspNetCore.Http;

namespace Delineate.Cli.Tests;

/// <summary>
/// A reverse proxy (Kestrel, in the test process) in front of a gateway that, like some real proxies,
/// does not pass WebSocket upgrades (400) and, when asked, does not route the event-stream path
/// either (404, an HTML page). Everything else is forwarded as it is.
/// </summary>
public sealed class TransportBlockingProxy : IAsyncDisposable
{
    private readonly HttpForwarder _forwarder;
    private readonly bool _blockEventStream;

    private TransportBlockingProxy(Uri upstream, bool blockEventStream, Uri address)
    {
        _forwarder = new HttpForwarder(upstream);
        _blockEventStream = blockEventStream;
        Address = address;
    }

    public Uri Address { get; }

    public string Server => Address.ToString().TrimEnd('/');

    public static async Task<TransportBlockingProxy> StartAsync(Uri upstream, bool blockEventStream)
    {
        var port = FreePorts.Allocate();
        var proxy = new TransportBlockingProxy(upstream, blockEventStream, new Uri($"http://127.0.0.1:{port}"));
        await proxy._forwarder.ListenAsync([$"http://127.0.0.1:{port}"], proxy.ForwardAsync);
        return proxy;
    }

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        if (path.StartsWith("/v1/download/subscribe/", StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync("This proxy does not pass WebSocket upgrades.");
            return;
        }
        if (_blockEventStream && path.StartsWith("/v1/download/events/", StringComparison.Ordinal))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            context.Response.ContentType = "text/html";
            await context.Response.WriteAsync("<html><body>Not routed here</body></html>");
            return;
        }

        await _forwarder.ForwardAsync(context);
    }

    public ValueTask DisposeAsync() => _forwarder.DisposeAsync();
}
