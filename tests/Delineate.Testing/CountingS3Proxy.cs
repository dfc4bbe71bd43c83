using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

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
    private readonly ConcurrentQueue<S3Request> _requests = new();
    private readonly HttpForwarder _forwarder;
    private readonly Dictionary<int, string> _clientsByPort;

    private CountingS3Proxy(Uri upstream, Dictionary<int, string> clientsByPort)
    {
        _forwarder = new HttpForwarder(upstream);
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
        await proxy._forwarder.ListenAsync(ports.Select(port => $"http://127.0.0.1:{port}"), proxy.ForwardAsync);
        return proxy;
    }

    /// <summary>Forgets the requests recorded so far.</summary>
    public void Clear() => _requests.Clear();

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        var client = _clientsByPort.GetValueOrDefault(context.Connection.LocalPort, "unknown");
        _requests.Enqueue(new S3Request(DateTimeOffset.UtcNow, client, request.Method, request.Path.Value ?? "", request.QueryString.Value ?? ""));
        await _forwarder.ForwardAsync(context);
    }

    public ValueTask DisposeAsync() => _forwarder.DisposeAsync();
}
