using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace Delineate.Testing;

/// <summary>
/// A reverse proxy (Kestrel, in the test process) between the services and s3rver that answers
/// chosen requests with an error instead of forwarding them: a precise, repeatable S3 fault (for
/// example "the next 3 CreateMultipartUpload requests get 503"), where stopping s3rver would have
/// to be timed against the job, or "every request for this job's archive gets 503"). Every request
/// is recorded. Used by the drills and the observability tests.
/// </summary>
public sealed class FaultyS3Proxy : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentQueue<string> _injected = new();
    private readonly Lock _gate = new();
    private readonly List<FaultRule> _rules = [];
    private readonly HttpForwarder _forwarder;

    private FaultyS3Proxy(Uri upstream, int port)
    {
        _forwarder = new HttpForwarder(upstream);
        Endpoint = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri Endpoint { get; }

    /// <summary>"METHOD /path?query-names → code" for every request so far.</summary>
    public IReadOnlyList<string> Requests => _requests.ToArray();

    /// <summary>"METHOD /path" of every request answered with an injected error.</summary>
    public IReadOnlyList<string> Injected => _injected.ToArray();

    public static async Task<FaultyS3Proxy> StartAsync(Uri upstream)
    {
        var proxy = new FaultyS3Proxy(upstream, FreePorts.Allocate());
        await proxy._forwarder.ListenAsync([proxy.Endpoint.ToString()], proxy.ForwardAsync);
        return proxy;
    }

    /// <summary>The next <paramref name="times"/> requests that match get <paramref name="statusCode"/> (an S3-style XML error) instead of an answer from s3rver.</summary>
    public FaultRule Fail(string name, Func<HttpRequest, bool> match, int times, int statusCode = StatusCodes.Status503ServiceUnavailable)
    {
        var rule = new FaultRule(name, match, times, statusCode);
        lock (_gate)
        {
            _rules.Add(rule);
        }

        return rule;
    }

    /// <summary>Every request whose path contains <paramref name="pathPart"/> gets 503 from now on.</summary>
    public FaultRule Fail(string pathPart) =>
        Fail($"path contains {pathPart}", request => (request.Path.Value ?? "").Contains(pathPart, StringComparison.Ordinal), int.MaxValue);

    /// <summary>
    /// The request that starts storing an export (<c>exports/…</c>): its PutObject (<c>PUT</c>, an archive
    /// that fits in one part) or its CreateMultipartUpload (<c>POST …?uploads</c>), and any part upload.
    /// </summary>
    public static bool IsExportWrite(HttpRequest request) =>
        (request.Path.Value ?? "").Contains("/exports/", StringComparison.Ordinal)
        && (HttpMethods.IsPut(request.Method) || IsCreateMultipartUpload(request));

    /// <summary>CreateMultipartUpload: <c>POST /{bucket}/{key}?uploads</c>.</summary>
    public static bool IsCreateMultipartUpload(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Query.ContainsKey("uploads");

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        FaultRule? rule;
        lock (_gate)
        {
            rule = _rules.FirstOrDefault(r => r.Remaining > 0 && r.Match(request));
            rule?.Use();
        }

        if (rule is not null)
        {
            _requests.Enqueue($"{request.Method} {request.Path}{QueryNames(request)} → {rule.StatusCode} (injected: {rule.Name})");
            _injected.Enqueue($"{request.Method} {request.Path}");
            context.Response.StatusCode = rule.StatusCode;
            context.Response.ContentType = "application/xml";
            await context.Response.WriteAsync(
                $"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>ServiceUnavailable</Code><Message>injected by the test: {rule.Name}</Message></Error>");
            return;
        }

        await _forwarder.ForwardAsync(context, status =>
            _requests.Enqueue($"{request.Method} {request.Path}{QueryNames(request)} → {(status is { } code ? code.ToString() : "502 (s3rver down)")}"));
    }

    private static string QueryNames(HttpRequest request) =>
        request.Query.Count == 0 ? "" : "?" + string.Join('&', request.Query.Keys.Where(k => !k.StartsWith("X-Amz-", StringComparison.OrdinalIgnoreCase)));

    public ValueTask DisposeAsync() => _forwarder.DisposeAsync();

    /// <summary>One injected fault: which requests, how many more times, with what status.</summary>
    public sealed class FaultRule(string name, Func<HttpRequest, bool> match, int times, int statusCode)
    {
        private int _remaining = times;

        public int Times { get; } = times;
        public string Name { get; } = name;
        public Func<HttpRequest, bool> Match { get; } = match;
        public int StatusCode { get; } = statusCode;
        public int Remaining => Volatile.Read(ref _remaining);
        public int Used => Volatile.Read(ref _used);

        private int _used;

        internal void Use()
        {
            Interlocked.Decrement(ref _remaining);
            Interlocked.Increment(ref _used);
        }

        /// <summary>Ends the fault: no more requests are refused by this rule.</summary>
        public void Cancel() => Interlocked.Exchange(ref _remaining, 0);
    }
}
