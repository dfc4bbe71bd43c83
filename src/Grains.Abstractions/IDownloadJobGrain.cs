namespace Delineate.Abstractions;

/// <summary>One download job, keyed by a time-ordered Guid. Drives its own execution.</summary>
[Alias("Delineate.IDownloadJobGrain")]
public interface IDownloadJobGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Creates the job and starts its work without waiting for it. Calling it again on an existing
    /// job returns the job's snapshot unchanged.
    /// </summary>
    [Alias("Initiate")]
    Task<JobSnapshot> Initiate(InitiateJobRequest request);

    /// <summary>The job's status, or null when no such job exists (never created, or expired).</summary>
    [Alias("GetStatus"), AlwaysInterleave]
    Task<JobSnapshot?> GetStatus();

    /// <summary>
    /// The events after <paramref name="afterSeq"/> that were already published, contiguous and in
    /// order; null when they are no longer all kept (the caller then starts from a snapshot).
    /// </summary>
    [Alias("GetEventsAfter"), AlwaysInterleave]
    Task<IReadOnlyList<JobEvent>?> GetEventsAfter(long afterSeq);

    /// <summary>Makes sure an unfinished job's work is running (a silo handing the job over calls it).</summary>
    [Alias("Wake"), OneWay, AlwaysInterleave]
    Task Wake();

    /// <summary>Cancels a job that has not finished; in-flight work stops within a second.</summary>
    [Alias("Cancel")]
    Task<CancelOutcome> Cancel();
}
