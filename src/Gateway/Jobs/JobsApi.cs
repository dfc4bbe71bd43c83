using System.Diagnostics;
using Delineate.Abstractions;
using Delineate.Gateway.Errors;
using Delineate.Gateway.Hosting;
using Delineate.Gateway.Owners;
using Delineate.Grains.Intake;
using Delineate.Grains.Options;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Delineate.Gateway.Jobs;

/// <summary>
/// The job API: initiate, status, download and list. Following a job live is <see cref="Progress.ProgressApi"/>,
/// cancel, retry and purge are <see cref="JobActionsApi"/>, the old service's calls are <see cref="Legacy.LegacyApi"/>.
/// </summary>
public static class JobsApi
{
    /// <summary>The job API's route prefix; every route under it needs an owner (a key in apikey mode).</summary>
    public const string Prefix = "/v1/download";

    /// <summary>The <c>{jobId}</c> route segment, which never matches the API's own path words.</summary>
    public const string JobIdSegment = "{jobId:" + JobIdRouteConstraint.Name + "}";

    /// <summary>A route group under <see cref="Prefix"/>: owner filter, the refusals every route may give, the tag.</summary>
    public static RouteGroupBuilder MapOwnedGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup(Prefix)
            .AddEndpointFilter<Owner.Filter>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithTags("download");

    public static RouteGroupBuilder MapJobs(this IEndpointRouteBuilder app)
    {
        var api = app.MapOwnedGroup();
        api.MapPost("/initiate", InitiateAsync)
            .Accepts<InitiateRequestBody>("application/json")
            .Produces<InitiateResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Start a download job for a set of file ids");
        api.MapGet("/status/" + JobIdSegment, GetStatusAsync)
            .Produces<StatusJson>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A job's status, for polling");
        api.MapGet("/" + JobIdSegment, DownloadAsync)
            .Produces(StatusCodes.Status302Found)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Redirect to the finished job's archive");
        api.MapGet("/jobs", ListAsync)
            .Produces<JobListJson>()
            .ProducesValidationProblem()
            .WithSummary("The caller's jobs, newest first");
        return api;
    }

    public static async Task<Results<Accepted<InitiateResponse>, ValidationProblem, ProblemHttpResult>> InitiateAsync(
        HttpContext context, IClusterClient cluster, JobIntake intake, JobCreationLimiter creations,
        IOptions<GatewayOptions> options, IOptions<WebhookOptions> webhooks)
    {
        var (body, refusal) = await JsonBody.ReadAsync(context, root => InitiateRequestParser.ParseInitiate(root, webhooks.Value));
        if (body is null)
        {
            return refusal!.Invalid is { } invalid ? invalid : refusal.Problem!;
        }
        var (idempotencyKey, badKey) = JobLookup.IdempotencyKey(context);
        if (badKey is not null)
        {
            return badKey;
        }
        if (creations.TryCreate(context) is { } overLimit)
        {
            return overLimit;
        }
        var request = body.ToRequest(Owner.Of(context), Activity.Current?.Id, context.Request);
        var limits = options.Value.AdmissionLimits;
        // The 202 waits for one thing: the job's record durably stored (group-committed with other accepts).
        var outcome = idempotencyKey.Length > 0
            ? await intake.AcceptAsync(JobIds.New(), request, limits, idempotencyKey, body.Hash())
            : await intake.AcceptAsync(JobIds.New(), request, limits);
        switch (outcome.Status)
        {
            case AcceptStatus.OverCap:
                return Problems.TooManyActiveJobs(context, limits.MaxActivePerOwner);
            case AcceptStatus.OverClusterCap:
                return Problems.TooManyJobsInCluster(context);
            case AcceptStatus.BodyMismatch:
                return Problems.Of(StatusCodes.Status422UnprocessableEntity, "Idempotency key reused",
                    $"The {JobLookup.IdempotencyHeader} was already used with a different body.");
            case AcceptStatus.Existing:
                var existing = await cluster.GetGrain<IDownloadJobGrain>(outcome.JobId).GetHeader();
                return AcceptedJob(outcome.JobId, existing?.Status ?? JobStatus.Queued, body.FileIds.Count);
            default:
                return AcceptedJob(outcome.JobId, JobStatus.Queued, body.FileIds.Count);
        }
    }

    /// <summary>The 202 of an accepted job: its status URL as <c>Location</c>, and where to follow it.</summary>
    public static Accepted<InitiateResponse> AcceptedJob(Guid jobId, JobStatus status, int fileCount)
    {
        var urls = JobUrls.For(jobId);
        return TypedResults.Accepted(urls.Status, new InitiateResponse(jobId, status, fileCount, urls.Status, urls.Subscribe, urls.Events));
    }

    public static async Task<Results<Ok<StatusJson>, ValidationProblem, ProblemHttpResult>> GetStatusAsync(
        string jobId, HttpContext context, IClusterClient cluster)
    {
        if (!JobIds.TryParse(jobId, out var id))
        {
            return JobLookup.InvalidJobId();
        }
        var snapshot = await cluster.GetGrain<IDownloadJobGrain>(id).GetStatus();
        // Another owner's job is indistinguishable from a missing one.
        return snapshot is null || snapshot.Owner != Owner.Of(context) ? Problems.JobNotFound() : TypedResults.Ok(snapshot.ToJson(context.Request));
    }

    public static async Task<Results<RedirectHttpResult, ValidationProblem, ProblemHttpResult>> DownloadAsync(
        string jobId, HttpContext context, IClusterClient cluster)
    {
        var (header, refusal) = await JobLookup.FindAsync(jobId, context, cluster);
        if (header is null)
        {
            return refusal!.Invalid is { } invalid ? invalid : refusal.Problem!;
        }
        if (!header.Status.IsTerminal())
        {
            return Problems.Of(StatusCodes.Status409Conflict, "Not finished", $"The job is {JobLookup.Lower(header.Status)} ({header.Percent}%).");
        }
        // Only a finished job's links are signed.
        var snapshot = await cluster.GetGrain<IDownloadJobGrain>(header.JobId).GetStatus();
        if (snapshot?.ToJson(context.Request).Result?.ArchiveUrl is { } archive)
        {
            return TypedResults.Redirect(archive);
        }
        return Problems.Of(StatusCodes.Status409Conflict, "No archive", $"The job is {JobLookup.Lower(header.Status)} and has no archive.");
    }

    public static async Task<Results<Ok<JobListJson>, ValidationProblem>> ListAsync(
        string? status, string? limit, string? cursor, HttpContext context, IJobStore store)
    {
        JobStatus? filter = null;
        if (!string.IsNullOrEmpty(status))
        {
            // Exact names only: Enum.TryParse would also take numbers and comma lists (flags).
            var name = Enum.GetNames<JobStatus>().FirstOrDefault(n => n.Equals(status, StringComparison.OrdinalIgnoreCase));
            if (name is null)
            {
                return Problems.Field("status", "Must be queued, processing, completed, failed or cancelled.");
            }
            filter = Enum.Parse<JobStatus>(name);
        }
        var pageSize = 20;
        if (!string.IsNullOrEmpty(limit) && !(int.TryParse(limit, out pageSize) && pageSize is >= 1 and <= 100))
        {
            return Problems.Field("limit", "Must be an integer from 1 to 100.");
        }
        Guid? after = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            if (!JobIds.TryParse(cursor, out var parsedCursor))
            {
                return Problems.Field("cursor", "Must be the nextCursor of a previous page.");
            }
            after = parsedCursor;
        }
        var page = await store.ListAsync(Owner.Of(context), filter, pageSize, after);
        return TypedResults.Ok(new JobListJson(
            page.Jobs.Select(j => new JobListItemJson(j.JobId, j.Status, j.FilesTotal, j.CreatedAt, j.UpdatedAt, JobUrls.For(j.JobId).Status)).ToList(),
            page.NextCursor,
            page.Total));
    }
}
