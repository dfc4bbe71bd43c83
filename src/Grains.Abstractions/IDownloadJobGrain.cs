namespace Delineate.Abstractions;

/// <summary>
/// One download job, keyed by a time-ordered Guid. The intake stores it as queued; its shard admits it;
/// from then on it drives its own execution.
/// </summary>
[Alias("Delineate.IDownloadJobGrain")]
public interface IDownloadJobGrain : IGrainWithGuidKey
{
    /// <summary>
    /// Starts a stored, unfinished job (its shard gave it a run slot). False when there is no such job
    /// or it has finished: the slot is free again. Calling it on a running job changes nothing.
    /// </summary>
    [Alias("Admit")]
    Task<bool> Admit();

    /// <summary>The job's status, or null when no such job exists (never created, or removed: purged, or its retention ended).</summary>
    [Alias("GetStatus"), AlwaysInterleave]
    Task<JobSnapshot?> GetStatus();

    /// <summary>Owner, seq and status only (no download links are signed): for ownership checks.</summary>
    [Alias("GetHeader"), AlwaysInterleave]
    Task<JobHeader?> GetHeader();

    /// <summary>
    /// The events after <paramref name="afterSeq"/> that were already published, contiguous and in
    /// order; null when they are no longer all kept (the caller then starts from a snapshot).
    /// </summary>
    [Alias("GetEventsAfter"), AlwaysInterleave]
    Task<IReadOnlyList<JobEvent>?> GetEventsAfter(long afterSeq);

    /// <summary>Makes sure an admitted, unfinished job's work is running (its reminder, its shard or a silo handing it over).</summary>
    [Alias("Wake"), OneWay, AlwaysInterleave]
    Task Wake();

    /// <summary>Cancels a job that has not finished (queued or running); in-flight work stops within a second.</summary>
    [Alias("Cancel")]
    Task<CancelOutcome> Cancel();

    /// <summary>Deletes a finished job's state and export: its retention has ended (the shard's sweep). An unfinished job (retried since) stays. The alias is the wire name from before the rename: it stays.</summary>
    [Alias("Expire")]
    Task EndRetention();

    /// <summary>
    /// Runs a failed job, or a completed one with failed files, again for its failed and unfinished
    /// files only; ready and missing files are kept. The job is queued again and goes through
    /// admission; its events go on from the last seq, and the archive is built anew.
    /// </summary>
    [Alias("Retry")]
    Task<RetryOutcome> Retry(RetryJobRequest request);

    /// <summary>Deletes a finished job's state, index entries and export now, before its retention ends.</summary>
    [Alias("Purge")]
    Task<PurgeOutcome> Purge();
}
