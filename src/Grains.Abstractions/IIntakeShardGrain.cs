namespace Delineate.Abstractions;

/// <summary>
/// One intake shard (key 0 to shard count - 1): admits the accepted jobs of the owners that hash to
/// it, round robin across those owners, as run slots of its silo free up; after a silo dies its
/// reminder re-drives the jobs it had accepted or admitted; it sweeps its finished jobs' retention.
/// </summary>
[Alias("Delineate.IIntakeShardGrain")]
public interface IIntakeShardGrain : IGrainWithIntegerKey
{
    /// <summary>Jobs now durably stored as queued: admit them in turn.</summary>
    [Alias("Accepted")]
    Task Accepted(IReadOnlyList<QueuedJob> jobs);

    /// <summary>A job of this shard finished (or was cancelled while queued): its run slot is free.</summary>
    [Alias("Finished"), OneWay]
    Task Finished(Guid jobId);

    /// <summary>A run slot of this silo freed up: admit the next job, if any waits.</summary>
    [Alias("Pump"), OneWay]
    Task Pump();

    /// <summary>How many of the shard's jobs wait and how many run.</summary>
    [Alias("GetCounts"), AlwaysInterleave]
    Task<ShardCounts> GetCounts();
}
