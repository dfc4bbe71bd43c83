using System.Diagnostics;
using System.Text.Json;
using Delineate.Abstractions;
using Delineate.Gateway.Progress;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Delineate.Gateway.Api;

/// <summary>The job API: initiate, status, live progress, cancel, download.</summary>
public static class DownloadApi
{
    public const long MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapDownloadApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup("/v1/download");
        api.MapPost("/initiate", InitiateAsync);
        api.MapGet("/status/{jobId}", GetStatusAsync);
        api.MapGet("/subscribe/{jobId}", SubscribeAsync);
        api.MapDelete("/{jobId}", CancelAsync);
        api.MapGet("/{jobId}", DownloadAsync);
        return endpoints;
    }

    public static async Task<IResult> InitiateAsync(HttpContext context, IClusterClient cluster)
    {
        if (!context.Request.HasJsonContentType())
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the body as application/json.");
        }
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Body too large", $"The body must be at most {MaxBodyBytes} bytes.");
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = MaxBodyBytes;
        }
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted);
        }
        catch (JsonException ex)
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["body"] = [$"The body is not valid JSON ({ex.Message.Split('.')[0]})."] },
                title: "Invalid JSON");
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Body too large", $"The body must be at most {MaxBodyBytes} bytes.");
        }
        using (document)
        {
            var (fileIds, errors) = InitiateRequestParser.Parse(document.RootElement);
            if (fileIds is null)
            {
                return TypedResults.ValidationProblem(errors, title: "Invalid request");
            }
            var jobId = JobIds.New();
            var snapshot = await cluster.GetGrain<IDownloadJobGrain>(jobId).Initiate(new InitiateJobRequest
            {
                FileIds = fileIds,
                Owner = Owner.Of(context),
                TraceParent = Activity.Current?.Id,
            });
            var urls = JobUrls.For(jobId);
            return TypedResults.Accepted(urls.Status,
                new InitiateResponse(jobId, snapshot.Progress.Status, snapshot.Files.Count, urls.Status, urls.Subscribe, urls.Events));
        }
    }

    public static async Task<IResult> GetStatusAsync(string jobId, HttpContext context, IClusterClient cluster)
    {
        var (snapshot, problem) = await FindAsync(jobId, context, cluster);
        return snapshot is null ? problem! : TypedResults.Ok(snapshot.ToJson(context.Request));
    }

    public static async Task<IResult> SubscribeAsync(string jobId, HttpContext context, IClusterClient cluster, JobEventRelay relay, long? after)
    {
        var (snapshot, problem) = await FindAsync(jobId, context, cluster);
        if (snapshot is null)
        {
            return problem!;
        }
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return Problem(StatusCodes.Status400BadRequest, "WebSocket required", "Connect with a WebSocket upgrade request.");
        }
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        await relay.RelayAsync(socket, snapshot.JobId, after, context.RequestAborted);
        return Results.Empty;
    }

    public static async Task<IResult> CancelAsync(string jobId, HttpContext context, IClusterClient cluster)
    {
        var (snapshot, problem) = await FindAsync(jobId, context, cluster);
        if (snapshot is null)
        {
            return problem!;
        }
        var grain = cluster.GetGrain<IDownloadJobGrain>(snapshot.JobId);
        return await grain.Cancel() switch
        {
            CancelOutcome.Cancelled => TypedResults.Ok((await grain.GetStatus())!.ToJson(context.Request)),
            CancelOutcome.AlreadyFinished => Problem(StatusCodes.Status409Conflict, "Already finished", $"The job is {Lower(snapshot.Progress.Status)}; only unfinished jobs can be cancelled."),
            _ => NotFound(),
        };
    }

    public static async Task<IResult> DownloadAsync(string jobId, HttpContext context, IClusterClient cluster)
    {
        var (snapshot, problem) = await FindAsync(jobId, context, cluster);
        if (snapshot is null)
        {
            return problem!;
        }
        var status = snapshot.ToJson(context.Request);
        if (status.Result?.ArchiveUrl is { } archive)
        {
            return TypedResults.Redirect(archive);
        }
        return snapshot.Progress.Status.IsTerminal()
            ? Problem(StatusCodes.Status409Conflict, "No archive", $"The job is {Lower(snapshot.Progress.Status)} and has no archive.")
            : Problem(StatusCodes.Status409Conflict, "Not finished", $"The job is {Lower(snapshot.Progress.Status)} ({snapshot.Progress.Percent}%).");
    }

    /// <summary>The caller's job, or the problem to answer: 400 for a malformed id, 404 for unknown or not yours.</summary>
    private static async Task<(JobSnapshot? Snapshot, IResult? Problem)> FindAsync(string jobId, HttpContext context, IClusterClient cluster)
    {
        if (!JobIds.TryParse(jobId, out var id))
        {
            return (null, TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["jobId"] = ["Must be a job id (a GUID like 0193a4b2-7c1d-7e8f-9a0b-1c2d3e4f5a6b)."] },
                title: "Invalid job id"));
        }
        var snapshot = await cluster.GetGrain<IDownloadJobGrain>(id).GetStatus();
        // Another owner's job is indistinguishable from a missing one.
        return snapshot is null || snapshot.Owner != Owner.Of(context) ? (null, NotFound()) : (snapshot, null);
    }

    private static ProblemHttpResult NotFound() =>
        Problem(StatusCodes.Status404NotFound, "Job not found", "No such job, or it has expired.");

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);

    private static string Lower(JobStatus status) => status.ToString().ToLowerInvariant();
}
