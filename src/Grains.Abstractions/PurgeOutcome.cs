namespace Delineate.Abstractions;

/// <summary>What a purge request found.</summary>
public enum PurgeOutcome
{
    /// <summary>The job's state, index entries and export are deleted.</summary>
    Purged,
    NotFound,
    /// <summary>The job is queued or running: it must be cancelled first.</summary>
    Unfinished,
}
