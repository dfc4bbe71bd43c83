using System.Collections.Concurrent;
using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Delineate.Observability.Tests.Support;

/// <summary>One Sentry event item of an envelope, with the process that sent it.</summary>
public sealed record SentryEvent(JsonElement Payload, string? Client)
{
    public string? Tag(string name) =>
        Payload.TryGetProperty("tags", out var tags) && tags.ValueKind == JsonValueKind.Object && tags.TryGetProperty(name, out var value)
            ? value.GetString()
            : null;

    public string? ServerName => Payload.TryGetProperty("server_name", out var name) ? name.GetString() : null;

    /// <summary>The exception types of the event (innermost last), or empty.</summary>
    public IReadOnlyList<string> ExceptionTypes =>
        Payload.TryGetProperty("exception", out var exception) && exception.TryGetProperty("values", out var values)
            ? values.EnumerateArray().Select(v => v.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "").ToList()
            : [];

    public string Message =>
        Payload.TryGetProperty("logentry", out var entry) && entry.TryGetProperty("formatted", out var formatted) ? formatted.GetString() ?? ""
        : Payload.TryGetProperty("logentry", out entry) && entry.TryGetProperty("message", out var message) ? message.GetString() ?? ""
        : Payload.TryGetProperty("message", out var plain) && plain.ValueKind == JsonValueKind.String ? plain.GetString() ?? ""
        : "";

    public override string ToString() =>
        $"{ServerName}: {string.Join(" / ", ExceptionTypes)} \"{Message}\" tags {(Payload.TryGetProperty("tags", out var tags) ? tags.GetRawText() : "{}")}";
}

/// <summary>
/// A stand-in Sentry (Kestrel, in the test process): records the envelopes the SDK posts to
/// <c>/api/{project}/envelope/</c>. Point a service at it with <c>SENTRY_DSN=</c><see cref="Dsn"/>.
/// </summary>
public sealed class SentryReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<SentryEvent> _events = new();
    private readonly ConcurrentQueue<string> _errors = new();
    private WebApplication? _app;
    private int _envelopes;

    private SentryReceiver(int port) => Port = port;

    public int Port { get; }

    /// <summary>Sentry's DSN format: the public key as user, the project id as path.</summary>
    public string Dsn => $"http://0123456789abcdef0123456789abcdef@127.0.0.1:{Port}/1";

    public IReadOnlyList<SentryEvent> Events => _events.ToArray();

    public IReadOnlyList<string> Errors => _errors.ToArray();

    public int Envelopes => Volatile.Read(ref _envelopes);

    public static async Task<SentryReceiver> StartAsync()
    {
        var receiver = new SentryReceiver(FreePorts.Allocate());
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{receiver.Port}");
        var app = builder.Build();
        app.MapPost("/api/{project}/envelope/", receiver.ReceiveAsync);
        await app.StartAsync();
        receiver._app = app;
        return receiver;
    }

    private async Task ReceiveAsync(HttpContext context)
    {
        Interlocked.Increment(ref _envelopes);
        byte[] body;
        try
        {
            body = await ReadBodyAsync(context.Request);
            var client = context.Request.Headers["X-Sentry-Auth"].ToString();
            foreach (var item in ParseEnvelope(body).Where(i => i.Type == "event"))
            {
                _events.Enqueue(new SentryEvent(item.Payload, client));
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidDataException)
        {
            _errors.Enqueue(ex.Message);
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("{}");
    }

    /// <summary>
    /// The envelope format: a header line, then per item a header line (JSON with <c>type</c> and
    /// optionally <c>length</c>) and a payload of that many bytes, or up to the next newline.
    /// </summary>
    public static IReadOnlyList<(string Type, JsonElement Payload)> ParseEnvelope(byte[] body)
    {
        var items = new List<(string, JsonElement)>();
        var position = 0;
        ReadLine(body, ref position); // envelope header
        while (position < body.Length)
        {
            var headerLine = ReadLine(body, ref position);
            if (headerLine.Length == 0)
            {
                continue;
            }
            using var header = JsonDocument.Parse(headerLine);
            var type = header.RootElement.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
            byte[] payload;
            if (header.RootElement.TryGetProperty("length", out var length) && length.TryGetInt32(out var count))
            {
                if (position + count > body.Length)
                {
                    throw new InvalidDataException($"envelope item '{type}' says {count} bytes; {body.Length - position} left");
                }
                payload = body[position..(position + count)];
                position += count;
                if (position < body.Length && body[position] == (byte)'\n')
                {
                    position++;
                }
            }
            else
            {
                payload = ReadLine(body, ref position);
            }
            if (type == "event" || type == "transaction")
            {
                using var document = JsonDocument.Parse(payload);
                items.Add((type, document.RootElement.Clone()));
            }
            else
            {
                items.Add((type, default));
            }
        }
        return items;
    }

    private static byte[] ReadLine(byte[] body, ref int position)
    {
        var end = Array.IndexOf(body, (byte)'\n', position);
        if (end < 0)
        {
            end = body.Length;
        }
        var line = body[position..end];
        position = Math.Min(body.Length, end + 1);
        return line;
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        Stream source = request.Body;
        var encoding = request.Headers.ContentEncoding.ToString();
        if (encoding.Contains("gzip", StringComparison.OrdinalIgnoreCase))
        {
            source = new GZipStream(source, CompressionMode.Decompress);
        }
        else if (encoding.Contains("br", StringComparison.OrdinalIgnoreCase))
        {
            source = new BrotliStream(source, CompressionMode.Decompress);
        }
        else if (encoding.Contains("deflate", StringComparison.OrdinalIgnoreCase))
        {
            source = new ZLibStream(source, CompressionMode.Decompress);
        }
        using var buffer = new MemoryStream();
        await source.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    public string Describe() =>
        $"{Envelopes} envelopes, {Events.Count} events{(Errors.Count > 0 ? $", unreadable: {string.Join("; ", Errors)}" : "")}\n" +
        string.Join('\n', Events.Select(e => "  " + e));

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
