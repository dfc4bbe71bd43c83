using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Delineate.Testing;

/// <summary>
/// A reverse proxy (Kestrel, in the test process) between the services and s3rver that records
/// every request's method and path, so a test can count how often each object was looked up.
/// Each client (a silo, the gateway) gets its own listening port, so every request is attributed
/// to the process that sent it. s3rver's own request log truncates paths, and it does not check
/// signatures, so forwarding with a different Host is harmless.
/// </summary>
public sealed class CountingS3Proxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHopHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade",
        "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "Expect", "Host",
    };

    private readonly ConcurrentQueue<S3Request> _requests = new();
    private readonly HttpMessageInvoker _upstreamClient = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
    });

    private readonly Uri _upstream;
    private readonly Dictionary<int, string> _clientsByPort;
    private WebApplication? _app;

    private CountingS3Proxy(Uri upstream, Dictionary<int, string> clientsByPort)
    {
        _upstream = upstream;
        _clientsByPort = clientsByPort;
    }

    /// <summary>The S3 endpoint that <paramref name="client"/> must use for its requests to be attributed to it.</summary>
    public Uri EndpointFor(string client) =>
        new($"http://127.0.0.1:{_clientsByPort.Single(pair => pair.Value == client).Key}");

    /// <summary>Every request so far, in arrival order.</summary>
    public IReadOnlyList<S3Request> Requests => _requests.ToArray();

    /// <summary>Starts one listening port per name in <paramref name="clients"/>, all forwarding to <paramref name="upstream"/>.</summary>
    public static async Task<CountingS3Proxy> StartAsync(Uri upstream, params string[] clients)
    {
        var ports = FreePorts.Allocate(clients.Length);
        var proxy = new CountingS3Proxy(upstream, ports.Zip(clients).ToDictionary(pair => pair.First, pair => pair.Second));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(ports.Select(port => $"http://127.0.0.1:{port}").ToArray());
        builder.Services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = null);
        var app = builder.Build();
        app.Run(proxy.ForwardAsync);
        await app.StartAsync();
        proxy._app = app;
        return proxy;
    }

    /// <summary>Forgets the requests recorded so far.</summary>
    public void Clear() => _requests.Clear();

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? $"{request.Path}{request.QueryString}";
        var client = _clientsByPort.GetValueOrDefault(context.Connection.LocalPort, "unknown");
        _requests.Enqueue(new S3Request(DateTimeOffset.UtcNow, client, request.Method, request.Path.Value ?? "", request.QueryString.Value ?? ""));

        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_upstream, rawTarget));
        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
        if (hasBody)
        {
            message.Content = new StreamContent(request.Body);
        }

        foreach (var (name, values) in request.Headers)
        {
            if (HopByHopHeaders.Contains(name))
            {
                continue;
            }

            if (!message.Headers.TryAddWithoutValidation(name, values.ToArray()) && message.Content is not null)
            {
                message.Content.Headers.TryAddWithoutValidation(name, values.ToArray());
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await _upstreamClient.SendAsync(message, context.RequestAborted);
        }
        catch (HttpRequestException)
        {
            // s3rver down (a restart drill): what a client would see from a dead endpoint.
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

        _upstreamClient.Dispose();
    }
}
