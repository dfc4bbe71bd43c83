using System.Globalization;
using System.Text;
using System.Text.Json;
using Delineate.Gateway.Api;

namespace Delineate.Gateway.Progress;

/// <summary>Progress as Server-Sent Events: <c>id:</c> is the seq; keep-alive is a <c>:</c> comment line.</summary>
public sealed class ServerSentEventsSink(HttpResponse response, JsonSerializerOptions json) : IProgressSink
{
    private static readonly byte[] KeepAlive = Encoding.ASCII.GetBytes(": keep-alive\n\n");

    public string Transport => "sse";

    public CancellationToken Gone => response.HttpContext.RequestAborted;

    public static async Task<ServerSentEventsSink> StartAsync(HttpResponse response, JsonSerializerOptions json)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.StartAsync();
        return new ServerSentEventsSink(response, json);
    }

    public async Task SendAsync(ProgressEventJson message, CancellationToken cancellationToken)
    {
        var type = JsonNamingPolicy.CamelCase.ConvertName(message.Type.ToString());
        var text = string.Create(CultureInfo.InvariantCulture,
            $"id: {message.Seq}\nevent: {type}\ndata: {JsonSerializer.Serialize(message, json)}\n\n");
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    public async Task KeepAliveAsync(CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(KeepAlive, cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    public Task CloseAsync(string reason) => response.CompleteAsync();

    public Task GoingAwayAsync() => response.CompleteAsync();
}
