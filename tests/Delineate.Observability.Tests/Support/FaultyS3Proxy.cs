using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Delineate.Observability.Tests.Support;

/// <summary>
/// A reverse proxy (Kestrel, in the test process) between the silos and s3rver that answers 503
/// SlowDown to the requests a test picks, so a file lookup is retried or an export upload fails for
/// one job only, while every other request goes through untouched.
/// </summary>
public sealed class FaultyS3Proxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade",
        "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "Expect", "Host",
    };

    private readonly HttpMessageInvoker _upstream = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    });

    private readonly Uri _target;
    private readonly ConcurrentDictionary<string, byte> _failingPathParts = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _injected = new();
    private WebApplication? _app;

    private FaultyS3Proxy(Uri target, int port)
    {
        _target = target;
        Endpoint = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri Endpoint { get; }

    /// <summary>"METHOD path" of every request answered with an injected 503.</summary>
    public IReadOnlyList<string> Injected => _injected.ToArray();

    public static async Task<FaultyS3Proxy> StartAsync(Uri target)
    {
        var proxy = new FaultyS3Proxy(target, FreePorts.Allocate());
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(proxy.Endpoint.ToString());
        builder.Services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = null);
        var app = builder.Build();
        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        proxy._app = app;
        return proxy;
    }

    /// <summary>Every request whose path contains <paramref name="pathPart"/> gets 503 from now on.</summary>
    public void Fail(string pathPart) => _failingPathParts[pathPart] = 0;

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "";
        if (_failingPathParts.Keys.Any(part => path.Contains(part, StringComparison.Ordinal)))
        {
            _injected.Enqueue($"{request.Method} {path}{request.QueryString}");
            // Drain the body so the client sees the answer rather than a reset.
            await request.Body.CopyToAsync(Stream.Null);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            if (!HttpMethods.IsHead(request.Method))
            {
                context.Response.ContentType = "application/xml";
                await context.Response.WriteAsync(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code><Message>injected by the test</Message></Error>");
            }
            return;
        }

        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? $"{request.Path}{request.QueryString}";
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_target, rawTarget));
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
            response = await _upstream.SendAsync(message, context.RequestAborted);
        }
        catch (HttpRequestException)
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }
        using (response)
        {
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
        _upstream.Dispose();
    }
}
