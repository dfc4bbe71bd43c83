using Delineate.Abstractions;

namespace Delineate.Grains.Intake;

/// <summary>
/// Where jobs live: their records (in the form the job grain's storage reads), the owners' indexes and
/// active counts, idempotency keys, and each shard's sets (unfinished, admitted, retained). Redis in
/// clustered mode, process memory in embedded mode; both keep the same rules.
/// </summary>
public interface IJobStore
{
    /// <summary>
    /// Stores a batch of new jobs at once (one round trip), each within its owner's cap, the cluster's cap
    /// (<paramref name="maxActive"/> unfinished jobs in all) and under its idempotency key, which is
    /// recorded only for a job stored. Safe to repeat after an unknown outcome: a job already stored answers Created.
    /// </summary>
    Task<IReadOnlyList<AcceptOutcome>> AcceptAsync(IReadOnlyList<NewJob> jobs, int maxActivePerOwner, int maxActive = int.MaxValue);

    Task<StoredJob?> ReadAsync(Guid jobId);

    /// <summary>
    /// Writes when the stored tag is <see cref="JobWrite.ExpectedETag"/>, or is already
    /// <see cref="JobWrite.NewETag"/> (a retry of a write whose answer was lost); false otherwise.
    /// </summary>
    Task<bool> WriteAsync(Guid jobId, JobWrite write);

    /// <summary>
    /// Puts a finished job back in its shard's queue with <paramref name="write"/> (a queued record):
    /// it leaves the retention set, its record is kept until it finishes again, and it counts against the owner's and
    /// the cluster's caps again, which it must fit in. One atomic step, tagged like <see cref="WriteAsync"/>,
    /// so a retry of a write whose answer was lost recognises it (and is not counted twice).
    /// </summary>
    Task<RequeueStatus> RequeueAsync(Guid jobId, JobWrite write, AdmissionLimits limits);

    /// <summary>Deletes a job's record and its index entry (its retention ended, or it was purged).</summary>
    Task DeleteAsync(Guid jobId, string owner);

    /// <summary>Every unfinished job of the shard, oldest first.</summary>
    Task<IReadOnlyList<ShardJob>> LoadShardAsync(int shard);

    /// <summary>Records that jobs were admitted (a successor shard counts them as running).</summary>
    Task MarkRunningAsync(int shard, IReadOnlyList<(Guid JobId, string Owner)> jobs);

    /// <summary>Finished jobs of the shard whose retention ended before <paramref name="now"/>.</summary>
    Task<IReadOnlyList<RetentionEndedJob>> RetentionEndedAsync(int shard, DateTimeOffset now, int max);

    /// <summary>The owner's jobs, newest first, optionally of one status, after <paramref name="cursor"/>.</summary>
    Task<JobPage> ListAsync(string owner, JobStatus? status, int limit, Guid? cursor);
}
