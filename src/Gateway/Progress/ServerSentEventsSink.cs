using System.Globalization;
using System.Text;
using System.Text.Json;
using Delineate.Gateway.Jobs;

namespace Delineate.Gateway.Progress;

/// <summary>
/// Progress as Server-Sent Events: <c>id:</c> is the seq; keep-alive is a <c>:</c> comment line. A write
/// the client does not take within the send timeout aborts the connection, which frees its buffers.
/// </summary>
public sealed class ServerSentEventsSink(HttpResponse response, JsonSerializerOptions json, TimeSpan sendTimeout) : IProgressSink
{
    private static readonly byte[] KeepAlive = Encoding.ASCII.GetBytes(": keep-alive\n\n");

    public string Transport => "sse";

    public CancellationToken Gone => response.HttpContext.RequestAborted;

    public static async Task<ServerSentEventsSink> StartAsync(HttpResponse response, JsonSerializerOptions json, TimeSpan sendTimeout)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        await response.StartAsync();
        return new ServerSentEventsSink(response, json, sendTimeout);
    }

    public Task SendAsync(ProgressEventJson message, CancellationToken cancellationToken)
    {
        var type = JsonNamingPolicy.CamelCase.ConvertName(message.Type.ToString());
        var text = string.Create(CultureInfo.InvariantCulture,
            $"id: {message.Seq}\nevent: {type}\ndata: {JsonSerializer.Serialize(message, json)}\n\n");
        return WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
    }

    public Task KeepAliveAsync(CancellationToken cancellationToken) => WriteAsync(KeepAlive, cancellationToken);

    public Task CloseAsync(string reason) => response.CompleteAsync();

    public Task GoingAwayAsync() => response.CompleteAsync();

    private async Task WriteAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(sendTimeout);
        try
        {
            await response.Body.WriteAsync(bytes, timeout.Token);
            await response.Body.FlushAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            response.HttpContext.Abort();
            throw new TimeoutException("The SSE client took nothing within the send timeout.");
        }
    }
}
