using System.Globalization;
using Delineate.Gateway.Errors;
using Delineate.Gateway.Hosting;
using Delineate.Gateway.Jobs;
using Delineate.Gateway.Owners;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Delineate.Gateway.Progress;

/// <summary>
/// Following a job live: a WebSocket (<c>/subscribe</c>) or Server-Sent Events (<c>/events</c>); polling is
/// the status call of <see cref="JobsApi"/>. Both handlers stream: the refusals before the stream opens are
/// typed, the stream itself is written to the response (101 or 200 text/event-stream, declared with
/// <c>Produces</c>), after which they answer <see cref="EmptyHttpResult"/>.
/// </summary>
public static class ProgressApi
{
    public static RouteGroupBuilder MapProgress(this IEndpointRouteBuilder app)
    {
        var api = app.MapOwnedGroup();
        api.MapGet("/subscribe/" + JobsApi.JobIdSegment, SubscribeAsync)
            .Produces(StatusCodes.Status101SwitchingProtocols)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("WebSocket: a snapshot, progress events, the terminal event, a normal close")
            .WithDescription("Each text message is one ProgressEventJson. `?after=SEQ` resumes without repeats.");
        api.MapGet("/events/" + JobsApi.JobIdSegment, EventsAsync)
            .Produces<ProgressEventJson>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Server-Sent Events: the same events as the WebSocket; `id:` is the seq, Last-Event-ID resumes");
        return api;
    }

    public static async Task<Results<EmptyHttpResult, ValidationProblem, ProblemHttpResult>> SubscribeAsync(
        string jobId, string? after, HttpContext context, IClusterClient cluster, JobEventRelay relay,
        StreamLimiter streams, IOptions<GatewayOptions> options, IOptions<JsonOptions> json)
    {
        var (header, refusal) = await JobLookup.FindAsync(jobId, context, cluster);
        if (header is null)
        {
            return refusal!.Invalid is { } invalid ? invalid : refusal.Problem!;
        }
        if (!TryParseSeq(after, out var afterSeq) || afterSeq > header.Seq)
        {
            return Problems.Field("after", $"Must be a sequence number from 0 to the job's last, {header.Seq}.");
        }
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return Problems.Of(StatusCodes.Status400BadRequest, "WebSocket required", "Connect with a WebSocket upgrade request, or use the events URL for Server-Sent Events.");
        }
        var (lease, overLimit) = streams.TryOpen(context);
        if (lease is null)
        {
            return overLimit!;
        }
        using var held = lease;
        // A browser that offered the page's subprotocol fails the handshake unless it is selected.
        var subProtocol = context.WebSockets.WebSocketRequestedProtocols.Contains(Owner.WebSocketProtocol) ? Owner.WebSocketProtocol : null;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(subProtocol);
        using var sink = new WebSocketSink(socket, context, json.Value.SerializerOptions, options.Value.StreamSendTimeout);
        await relay.RelayAsync(sink, header.JobId, afterSeq);
        return TypedResults.Empty;
    }

    public static async Task<Results<EmptyHttpResult, ValidationProblem, ProblemHttpResult>> EventsAsync(
        string jobId, string? after, HttpContext context, IClusterClient cluster, JobEventRelay relay,
        StreamLimiter streams, IOptions<GatewayOptions> options, IOptions<JsonOptions> json)
    {
        var (header, refusal) = await JobLookup.FindAsync(jobId, context, cluster);
        if (header is null)
        {
            return refusal!.Invalid is { } invalid ? invalid : refusal.Problem!;
        }
        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
        if (!TryParseSeq(lastEventId.Length > 0 ? lastEventId : after, out var afterSeq) || afterSeq > header.Seq)
        {
            return Problems.Field(lastEventId.Length > 0 ? "Last-Event-ID" : "after", $"Must be a sequence number from 0 to the job's last, {header.Seq}.");
        }
        var (lease, overLimit) = streams.TryOpen(context);
        if (lease is null)
        {
            return overLimit!;
        }
        using var held = lease;
        var sink = await ServerSentEventsSink.StartAsync(context.Response, json.Value.SerializerOptions, options.Value.StreamSendTimeout);
        await relay.RelayAsync(sink, header.JobId, afterSeq);
        return TypedResults.Empty;
    }

    private static bool TryParseSeq(string? text, out long? seq)
    {
        seq = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            seq = value;
            return true;
        }
        return false;
    }
}
