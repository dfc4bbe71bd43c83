using Delineate.Abstractions;
using Delineate.Gateway.Errors;
using Delineate.Gateway.Hosting;
using Delineate.Gateway.Owners;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Delineate.Gateway.Jobs;

/// <summary>
/// What an owner (or an operator with the owner's key) does to a job besides following it: cancel a
/// running one, retry a failed one for its failed files, purge a finished one before its retention ends.
/// </summary>
public static class JobActionsApi
{
    public static RouteGroupBuilder MapJobActions(this IEndpointRouteBuilder app)
    {
        var api = app.MapOwnedGroup();
        api.MapDelete("/" + JobsApi.JobIdSegment, DeleteAsync)
            .Produces<StatusJson>()
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Cancel a job that has not finished; with ?purge=true, delete a finished job now")
            .WithDescription("Without `purge`: cancels a queued or running job and answers 200 with its status (409 when it has finished). "
                + "With `purge=true`: deletes a finished job's state, list entry and archive at once and answers 204 "
                + "(409 while it is queued or running: cancel it first); its status is 404 afterwards.");
        api.MapPost("/" + JobsApi.JobIdSegment + "/retry", RetryAsync)
            .Produces<StatusJson>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Run a failed job, or a completed one with failed files, again for its failed files only")
            .WithDescription("Ready and missing files are kept; failed and unfinished ones are fetched again and the archive is built anew. "
                + "The job is queued again and counts against MAX_ACTIVE_JOBS_PER_OWNER; its events go on with increasing seq. "
                + "409 while the job is queued or running, or when nothing would change (no failed file, every file missing, or cancelled). "
                + "An Idempotency-Key header makes a repeated retry answer like the first.");
        return api;
    }

    public static async Task<Results<Ok<StatusJson>, NoContent, ValidationProblem, ProblemHttpResult>> DeleteAsync(string jobId, string? purge, HttpContext context, IClusterClient cluster)
    {
        bool purging;
        if (string.IsNullOrEmpty(purge) || purge.Equals("false", StringComparison.OrdinalIgnoreCase))
        {
            purging = false;
        }
        else if (purge.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            purging = true;
        }
        else
        {
            return Problems.Field("purge", "Must be true or false.");
        }
        var (header, refusal) = await JobLookup.FindAsync(jobId, context, cluster);
        if (header is null)
        {
            return refusal!.Invalid is { } invalid ? invalid : refusal.Problem!;
        }
        return purging ? await PurgeAsync(header, cluster) : await CancelAsync(header, context, cluster);
    }

    private static async Task<Results<Ok<StatusJson>, NoContent, ValidationProblem, ProblemHttpResult>> CancelAsync(JobHeader header, HttpContext context, IClusterClient cluster)
    {
        var grain = cluster.GetGrain<IDownloadJobGrain>(header.JobId);
        return await grain.Cancel() switch
        {
            CancelOutcome.Cancelled when await grain.GetStatus() is { } cancelled => TypedResults.Ok(cancelled.ToJson(context.Request)),
            CancelOutcome.AlreadyFinished => Problems.Of(StatusCodes.Status409Conflict, "Already finished",
                $"The job is {JobLookup.Lower((await grain.GetHeader())?.Status ?? header.Status)}; only unfinished jobs can be cancelled."),
            _ => Problems.JobNotFound(),
        };
    }

    private static async Task<Results<Ok<StatusJson>, NoContent, ValidationProblem, ProblemHttpResult>> PurgeAsync(JobHeader header, IClusterClient cluster)
    {
        var grain = cluster.GetGrain<IDownloadJobGrain>(header.JobId);
        return await grain.Purge() switch
        {
            PurgeOutcome.Purged => TypedResults.NoContent(),
            PurgeOutcome.Unfinished => Problems.Of(StatusCodes.Status409Conflict, "Not finished",
                $"The job is {JobLookup.Lower((await grain.GetHeader())?.Status ?? header.Status)}; cancel it first (DELETE without purge), then purge it."),
            _ => Problems.JobNotFound(),
        };
    }

    public static async Task<Results<Accepted<StatusJson>, ValidationProblem, ProblemHttpResult>> RetryAsync(
        string jobId, HttpContext context, IClusterClient cluster, JobCreationLimiter creations, IOptions<GatewayOptions> options)
    {
        var (idempotencyKey, badKey) = JobLookup.IdempotencyKey(context);
        if (badKey is not null)
        {
            return badKey;
        }
        var (header, refusal) = await JobLookup.FindAsync(jobId, context, cluster);
        if (header is null)
        {
            return refusal!.Invalid is { } invalid ? invalid : refusal.Problem!;
        }
        // A retry starts work like an initiate does: the same per-address allowance.
        if (header.Status.IsTerminal() && creations.TryCreate(context) is { } overLimit)
        {
            return overLimit;
        }
        var limits = options.Value.AdmissionLimits;
        var grain = cluster.GetGrain<IDownloadJobGrain>(header.JobId);
        var outcome = await grain.Retry(new RetryJobRequest
        {
            IdempotencyKey = idempotencyKey.Length > 0 ? idempotencyKey : null,
            MaxActivePerOwner = limits.MaxActivePerOwner,
            MaxActive = limits.MaxActive,
        });
        var status = outcome is RetryOutcome.Retried or RetryOutcome.Unfinished or RetryOutcome.NothingToRetry ? await grain.GetStatus() : null;
        return outcome switch
        {
            RetryOutcome.Retried when status is not null => TypedResults.Accepted(JobUrls.For(header.JobId).Status, status.ToJson(context.Request)),
            RetryOutcome.Unfinished => Problems.Of(StatusCodes.Status409Conflict, "Not finished",
                $"The job is {JobLookup.Lower(status?.Progress.Status ?? header.Status)}; only a finished job can be retried."),
            RetryOutcome.NothingToRetry => Problems.Of(StatusCodes.Status409Conflict, "Nothing to retry", NothingToRetry(status)),
            RetryOutcome.OverCap => Problems.TooManyActiveJobs(context, limits.MaxActivePerOwner),
            RetryOutcome.OverClusterCap => Problems.TooManyJobsInCluster(context),
            _ => Problems.JobNotFound(),
        };
    }

    private static string NothingToRetry(JobSnapshot? status) => status?.Progress.Status switch
    {
        JobStatus.Cancelled => "The job was cancelled; start a new one instead.",
        JobStatus.Completed => "The job completed with no failed files.",
        _ => "Every file of the job is missing; a new run would find none of them.",
    };
}
