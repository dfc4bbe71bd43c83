using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Delineate.Cli.Tests;

/// <summary>
/// A reverse proxy (Kestrel, in the test process) in front of a gateway that, like some real proxies,
/// does not pass WebSocket upgrades (400) and, when asked, does not route the event-stream path
/// either (404, an HTML page). Everything else is forwarded as it is.
/// </summary>
public sealed class TransportBlockingProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Host",
        "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol",
    };

    private readonly HttpMessageInvoker _upstreamClient = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, UseProxy = false });
    private readonly Uri _upstream;
    private readonly bool _blockEventStream;
    private WebApplication? _app;

    private TransportBlockingProxy(Uri upstream, bool blockEventStream, Uri address)
    {
        _upstream = upstream;
        _blockEventStream = blockEventStream;
        Address = address;
    }

    public Uri Address { get; }

    public string Server => Address.ToString().TrimEnd('/');

    public static async Task<TransportBlockingProxy> StartAsync(Uri upstream, bool blockEventStream)
    {
        var port = FreePorts.Allocate();
        var proxy = new TransportBlockingProxy(upstream, blockEventStream, new Uri($"http://127.0.0.1:{port}"));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        proxy._app = app;
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

        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_upstream, $"{path}{request.QueryString}"));
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            message.Content = new StreamContent(request.Body);
        }
        foreach (var (name, values) in request.Headers)
        {
            if (!HopByHopHeaders.Contains(name) && !message.Headers.TryAddWithoutValidation(name, values.ToArray()))
            {
                message.Content?.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }
        using var response = await _upstreamClient.SendAsync(message, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            if (!HopByHopHeaders.Contains(name))
            {
                context.Response.Headers[name] = values.ToArray();
            }
        }
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        _upstreamClient.Dispose();
    }
}
