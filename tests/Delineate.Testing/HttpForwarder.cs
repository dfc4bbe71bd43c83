using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Delineate.Testing;

/// <summary>
/// The hop every test proxy makes (Kestrel in the test process, in front of s3rver or a gateway):
/// the request goes upstream as it came, less its hop-by-hop headers, and the answer comes back the same way.
/// </summary>
public sealed class HttpForwarder(Uri upstream) : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade",
        "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "Expect", "Host",
        "Sec-WebSocket-Key", "Sec-WebSocket-Version", "Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol",
    };

    private readonly HttpMessageInvoker _upstreamClient = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    });

    private WebApplication? _app;

    /// <summary>Listens on <paramref name="urls"/> and answers every request with <paramref name="handler"/>.</summary>
    public async Task ListenAsync(IEnumerable<string> urls, RequestDelegate handler)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(urls.ToArray());
        builder.Services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = null);
        var app = builder.Build();
        app.Run(handler);
        await app.StartAsync();
        _app = app;
    }

    /// <summary>
    /// Forwards the request and copies the answer back. <paramref name="answered"/> hears upstream's status
    /// code (null when upstream could not be reached: the answer is then 502) before the body is copied.
    /// </summary>
    public async Task ForwardAsync(HttpContext context, Action<int?>? answered = null)
    {
        var request = context.Request;
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? $"{request.Path}{request.QueryString}";
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(upstream, rawTarget));
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

        HttpResponseMessage response;
        try
        {
            response = await _upstreamClient.SendAsync(message, context.RequestAborted);
        }
        catch (HttpRequestException)
        {
            // Upstream down (a restart drill): what a client would see from a dead endpoint.
            answered?.Invoke(null);
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }

        using (response)
        {
            answered?.Invoke((int)response.StatusCode);
            context.Response.StatusCode = (int)response.StatusCode;
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (!HopByHopHeaders.Contains(name))
                {
                    context.Response.Headers[name] = values.ToArray();
                }
            }

            if (!HttpMethods.IsHead(request.Method))
            {
                await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
            }
        }
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
