using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Delineate.Observability.Tests.Support;

/// <summary>
/// An OTLP/HTTP receiver (Kestrel, in the test process) that keeps every span posted to
/// <c>/v1/traces</c>. Services reach it with <c>OTEL_EXPORTER_OTLP_ENDPOINT=</c><see cref="Endpoint"/>
/// and <c>OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf</c>. Metrics and logs are accepted and dropped.
/// </summary>
public sealed class OtlpTraceReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<OtlpSpan> _spans = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private WebApplication? _app;
    private int _metricPosts;

    private OtlpTraceReceiver(Uri endpoint) => Endpoint = endpoint;

    public Uri Endpoint { get; }

    public IReadOnlyList<OtlpSpan> Spans => _spans.ToArray();

    /// <summary>Bodies that could not be read, with the reason.</summary>
    public IReadOnlyList<string> Errors => _errors.ToArray();

    public int MetricPosts => Volatile.Read(ref _metricPosts);

    public static async Task<OtlpTraceReceiver> StartAsync()
    {
        var port = FreePorts.Allocate();
        var receiver = new OtlpTraceReceiver(new Uri($"http://127.0.0.1:{port}"));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(receiver.Endpoint.ToString());
        var app = builder.Build();
        app.MapPost("/v1/traces", receiver.ReceiveTracesAsync);
        app.MapPost("/v1/metrics", async context =>
        {
            Interlocked.Increment(ref receiver._metricPosts);
            await AcceptAsync(context);
        });
        app.MapPost("/v1/logs", AcceptAsync);
        await app.StartAsync();
        receiver._app = app;
        return receiver;
    }

    /// <summary>The spans of one trace.</summary>
    public IReadOnlyList<OtlpSpan> Trace(string traceId) =>
        Spans.Where(s => string.Equals(s.TraceId, traceId, StringComparison.OrdinalIgnoreCase)).ToList();

    private async Task ReceiveTracesAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context.Request);
        try
        {
            foreach (var span in OtlpTraceParser.Parse(body))
            {
                _spans.Enqueue(span);
            }
        }
        catch (InvalidDataException ex)
        {
            _errors.Enqueue($"{body.Length} bytes from {context.Connection.RemotePort}: {ex.Message}");
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        await AcceptAsync(context);
    }

    /// <summary>200 with an empty ExportTraceServiceResponse (an empty protobuf message).</summary>
    private static Task AcceptAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/x-protobuf";
        context.Response.ContentLength = 0;
        return Task.CompletedTask;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        Stream source = request.Body;
        if (string.Equals(request.Headers.ContentEncoding, "gzip", StringComparison.OrdinalIgnoreCase))
        {
            source = new GZipStream(request.Body, CompressionMode.Decompress);
        }
        await source.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
