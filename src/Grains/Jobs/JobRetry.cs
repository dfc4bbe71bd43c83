using System.Globalization;
using Delineate.Abstractions;
using Delineate.Grains.Intake;
using Microsoft.Extensions.Logging;

namespace Delineate.Grains.Jobs;

/// <summary>
/// An operator's retry of a finished job: its failed and unfinished files go back to pending (ready
/// and missing ones are kept), the job is stored as queued again in one atomic store step
/// (<see cref="IJobStore.RequeueAsync"/>: out of the retention set, its record kept until it finishes again,
/// counted against the owner's and the cluster's caps again) and handed to its intake shard, which
/// admits it like a new job: the deadline runs from that admission. The queued event continues the
/// job's seq; progress starts again from the share of files settled. Runs in the job grain's turn.
/// </summary>
public sealed class JobRetry(IJobStore store, JobStateCodec codec, IGrainFactory grains, TimeProvider time, ILogger<JobRetry> logger)
{
    private const int WriteAttempts = 3;

    /// <summary>
    /// Retries the job of <paramref name="state"/>. <paramref name="run"/> is its last run: a finished
    /// job's run may still be unwinding (removing its reminder), and a new run must not start before it ends.
    /// </summary>
    public async Task<RetryOutcome> RetryAsync(Guid jobId, IPersistentState<DownloadJobState> state, JobStateWriter writer, JobEventLog events,
        RetryJobRequest request, Task run)
    {
        if (!state.RecordExists)
        {
            return RetryOutcome.NotFound;
        }
        var current = state.State;
        if (request.IdempotencyKey is { } key && current.RetryKey == key)
        {
            return RetryOutcome.Retried;
        }
        if (!current.Status.IsTerminal())
        {
            return RetryOutcome.Unfinished;
        }
        if (!IsRetryable(current))
        {
            return RetryOutcome.NothingToRetry;
        }
        await EndOf(run);

        // The retried state is built on a copy: a refused retry leaves the grain's state as it was.
        var next = codec.Decode(codec.Encode(current));
        var now = time.GetUtcNow();
        var again = Requeue(next, request.IdempotencyKey);
        events.Emit(next, JobEventType.Progress, null, now);
        RequeueStatus outcome;
        try
        {
            outcome = await WriteAsync(jobId, state.Etag, next, request);
        }
        catch
        {
            // Storage did not answer: the event is not kept (a later retry would emit its seq again).
            events.DropUnpublished();
            throw;
        }
        if (outcome != RequeueStatus.Requeued)
        {
            events.DropUnpublished();
            if (outcome == RequeueStatus.Conflict)
            {
                // This activation's view is stale (an earlier retry's answer was lost, or another copy wrote).
                await state.ReadStateAsync();
                writer.MarkLoaded();
                return !state.RecordExists ? RetryOutcome.NotFound
                    : state.State.Status.IsTerminal() ? RetryOutcome.NothingToRetry : RetryOutcome.Unfinished;
            }
            return outcome == RequeueStatus.OverCap ? RetryOutcome.OverCap : RetryOutcome.OverClusterCap;
        }
        // Reading back brings the stored tag into the grain's storage bridge; then the queued event goes out.
        await state.ReadStateAsync();
        writer.MarkLoaded();
        await events.PublishUpToAsync(state.State.Seq);
        logger.LogInformation("Job {JobId} retried (retry {Retry}): {Files} files to fetch again", jobId, next.Retries, again);
        // Not awaited: the shard admits the job by calling it, which waits for this call to end.
        _ = HandOverAsync(jobId, next.Owner);
        return RetryOutcome.Retried;
    }

    /// <summary>
    /// Failed: anything but every file missing (a failed bundle is built again). Completed: some file
    /// failed or was left unfinished. Cancelled jobs are not retried: cancelling was a decision.
    /// </summary>
    public static bool IsRetryable(DownloadJobState state) => state.Status switch
    {
        JobStatus.Failed => state.Files.Any(f => f.Status != FileStatus.Missing),
        JobStatus.Completed => state.Files.Any(f => f.Status is not (FileStatus.Ready or FileStatus.Missing)),
        _ => false,
    };

    /// <summary>Moves <paramref name="state"/> back to queued; returns how many files will be fetched again.</summary>
    public static int Requeue(DownloadJobState state, string? retryKey)
    {
        var again = 0;
        foreach (var file in state.Files.Where(f => f.Status is not (FileStatus.Ready or FileStatus.Missing)))
        {
            (file.Status, file.Error) = (FileStatus.Pending, null);
            again++;
        }
        (state.Status, state.Phase, state.FinishedAt, state.Error) = (JobStatus.Queued, JobPhase.Queued, null, null);
        (state.ArchiveSize, state.UploadId, state.Percent) = (null, null, 0);
        state.Retries++;
        state.RetryKey = retryKey;
        return again;
    }

    private async Task<RequeueStatus> WriteAsync(Guid jobId, string? expectedTag, DownloadJobState next, RetryJobRequest request)
    {
        var write = new JobWrite
        {
            ExpectedETag = expectedTag ?? "",
            NewETag = NextTag(expectedTag),
            Data = codec.Encode(next),
            Owner = next.Owner,
            Summary = new JobSummary
            {
                JobId = jobId,
                Status = next.Status,
                FilesTotal = next.Files.Count,
                CreatedAt = next.CreatedAt,
                UpdatedAt = next.UpdatedAt,
            },
        };
        var limits = new AdmissionLimits(request.MaxActivePerOwner, request.MaxActive);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // Every attempt carries the same new tag: one whose answer was lost is recognised.
                return await store.RequeueAsync(jobId, write, limits);
            }
            catch (Exception ex) when (RedisErrors.IsTransient(ex) && attempt < WriteAttempts)
            {
                logger.LogWarning(ex, "Job {JobId} retry could not be stored yet (attempt {Attempt})", jobId, attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), time);
            }
            catch (Exception ex) when (RedisErrors.IsTransient(ex))
            {
                throw new StoreUnavailableException("Job storage did not answer.", ex);
            }
        }
    }

    /// <summary>The shard admits the job; when it cannot be told now, its reminder finds the job in its pending set.</summary>
    private async Task HandOverAsync(Guid jobId, string owner)
    {
        try
        {
            await grains.GetGrain<IIntakeShardGrain>(IntakeShards.Of(owner)).Accepted([new QueuedJob { JobId = jobId, Owner = owner }]);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Intake shard was not told of retried job {JobId}; its reminder will find it", jobId);
        }
    }

    private static async Task EndOf(Task run)
    {
        try
        {
            await run;
        }
        catch (Exception)
        {
            // The run reported its own failure; only its end matters here.
        }
    }

    private static string NextTag(string? current)
    {
        var dash = current?.IndexOf('-') ?? -1;
        var number = dash > 0 && long.TryParse(current.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        return string.Create(CultureInfo.InvariantCulture, $"{number + 1}-retry{Guid.NewGuid().ToString("N")[..8]}");
    }
}
