namespace Delineate.Abstractions;

/// <summary>
/// The index of one owner's jobs (keyed by owner), so listing them never scans every job. It also
/// enforces the per-owner cap on unfinished jobs.
/// </summary>
[Alias("Delineate.IOwnerJobsGrain")]
public interface IOwnerJobsGrain : IGrainWithStringKey
{
    /// <summary>Adds a new job unless the owner already has <paramref name="maxActive"/> unfinished ones.</summary>
    [Alias("TryAdd")]
    Task<bool> TryAdd(JobSummary job, int maxActive);

    /// <summary>Records a job's new status; adds the job when the index lost it.</summary>
    [Alias("Upsert")]
    Task Upsert(JobSummary job);

    /// <summary>Forgets a job (it expired, or its creation failed).</summary>
    [Alias("Remove")]
    Task Remove(Guid jobId);

    /// <summary>The owner's jobs, newest first, optionally of one status, after <paramref name="cursor"/>.</summary>
    [Alias("List"), AlwaysInterleave]
    Task<JobPage> List(JobStatus? status, int limit, Guid? cursor);
}
