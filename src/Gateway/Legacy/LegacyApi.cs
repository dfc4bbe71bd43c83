using System.Diagnostics;
using Delineate.Abstractions;
using Delineate.Gateway.Errors;
using Delineate.Gateway.Hosting;
using Delineate.Gateway.Jobs;
using Delineate.Gateway.Owners;
using Delineate.Grains.Intake;
using Delineate.Grains.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Delineate.Gateway.Legacy;

/// <summary>
/// The old service's calls, kept under the job API's prefix: <c>POST /check</c> (is one file available)
/// and <c>POST /start</c> (a one-file job, answered synchronously when it finishes in time).
/// </summary>
public static class LegacyApi
{
    public static RouteGroupBuilder MapLegacy(this IEndpointRouteBuilder app)
    {
        var api = app.MapOwnedGroup();
        api.MapPost("/check", CheckAsync)
            .Accepts<FileRequestBody>("application/json")
            .Produces<CheckResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Whether one file is available (the old service's call); ?sentry_test=true raises a test error when SENTRY_TEST_ENABLED=true");
        api.MapPost("/start", StartAsync)
            .Accepts<FileRequestBody>("application/json")
            .Produces<StartResponse>()
            .Produces<InitiateResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("The old synchronous call: waits up to REQUEST_TIMEOUT_MS for a one-file job");
        return api;
    }

    public static async Task<Results<Ok<CheckResponse>, ValidationProblem, ProblemHttpResult>> CheckAsync(
        HttpContext context, IFileSource source, IOptions<GatewayOptions> options, string? sentry_test)
    {
        var (fileId, refusal) = await ReadFileIdAsync(context);
        if (fileId is not { } id)
        {
            return refusal!.Invalid is { } invalid ? invalid : refusal.Problem!;
        }
        // Off by default: otherwise any caller could raise 500s and Sentry events at will.
        if (options.Value.SentryTestEnabled && string.Equals(sentry_test, "true", StringComparison.OrdinalIgnoreCase))
        {
            // Deliberate, as in the old service: proves error reporting end to end.
            throw new SentryTestException($"Sentry test error for file_id={id}");
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var file = await source.LookupAsync(id, timeout.Token);
            return TypedResults.Ok(new CheckResponse(id, file is not null, file?.Key, file?.Size));
        }
        catch (Exception ex) when (TransientErrors.IsTransient(ex) || ex is OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            return Problems.Of(StatusCodes.Status503ServiceUnavailable, "Storage unavailable", "The file source did not answer; try again.");
        }
    }

    public static async Task<Results<Ok<StartResponse>, Accepted<InitiateResponse>, ValidationProblem, ProblemHttpResult>> StartAsync(
        HttpContext context, IClusterClient cluster, JobIntake intake, JobCreationLimiter creations, IOptions<GatewayOptions> options, TimeProvider time)
    {
        var started = time.GetTimestamp();
        var (fileId, refusal) = await ReadFileIdAsync(context);
        if (fileId is not { } id)
        {
            return refusal!.Invalid is { } invalid ? invalid : refusal.Problem!;
        }
        if (creations.TryCreate(context) is { } overLimit)
        {
            return overLimit;
        }
        var request = new InitiateJobRequest { FileIds = [id], Owner = Owner.Of(context), TraceParent = Activity.Current?.Id };
        var outcome = await intake.AcceptAsync(JobIds.New(), request, options.Value.AdmissionLimits);
        if (outcome.Status == AcceptStatus.OverClusterCap)
        {
            return Problems.TooManyJobsInCluster(context);
        }
        if (outcome.Status != AcceptStatus.Created)
        {
            return Problems.TooManyActiveJobs(context, options.Value.MaxActiveJobsPerOwner);
        }
        var snapshot = await cluster.GetGrain<IDownloadJobGrain>(outcome.JobId).GetStatus()
            ?? throw new InvalidOperationException($"Job {outcome.JobId} was stored but does not read back.");
        var grain = cluster.GetGrain<IDownloadJobGrain>(snapshot.JobId);
        var deadline = options.Value.RequestTimeout;
        // Polling the grain keeps this independent of stream delivery; 100 ms is well inside the old timeout.
        while (!snapshot.Progress.Status.IsTerminal() && time.GetElapsedTime(started) < deadline)
        {
            var wait = deadline - time.GetElapsedTime(started);
            await Task.Delay(wait < TimeSpan.FromMilliseconds(100) ? wait : TimeSpan.FromMilliseconds(100), time, context.RequestAborted);
            snapshot = await grain.GetStatus() ?? snapshot;
        }
        if (!snapshot.Progress.Status.IsTerminal())
        {
            return JobsApi.AcceptedJob(snapshot.JobId, snapshot.Progress.Status, 1);
        }
        var file = snapshot.ToJson(context.Request).Files[0];
        var ready = file.Status == FileStatus.Ready;
        return TypedResults.Ok(new StartResponse(
            id,
            ready ? "completed" : "failed",
            file.Url,
            file.Size,
            (long)time.GetElapsedTime(started).TotalMilliseconds,
            ready ? "Download ready" : file.Status == FileStatus.Missing ? "File not found" : file.Error ?? "Download failed"));
    }

    private static async Task<(int? FileId, Refusal? Refusal)> ReadFileIdAsync(HttpContext context)
    {
        var (fileId, refusal) = await JsonBody.ReadAsync(context, root =>
        {
            var (id, errors) = InitiateRequestParser.ParseSingle(root);
            return (id is { } value ? new[] { value } : null, errors);
        });
        return (fileId?[0], refusal);
    }
}
