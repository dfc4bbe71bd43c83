namespace Delineate.Abstractions;

/// <summary>What a retry request found.</summary>
public enum RetryOutcome
{
    /// <summary>The job is queued again for its unsettled files (or this retry's idempotency key already did it).</summary>
    Retried,
    NotFound,
    /// <summary>The job is queued or running: there is nothing to retry yet.</summary>
    Unfinished,
    /// <summary>Finished with nothing a new run could change: completed without failed files, every file missing, or cancelled.</summary>
    NothingToRetry,
    /// <summary>The owner already has the maximum of unfinished jobs.</summary>
    OverCap,
    /// <summary>The cluster already has the maximum of unfinished jobs.</summary>
    OverClusterCap,
}
