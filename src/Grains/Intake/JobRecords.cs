using Delineate.Abstractions;

namespace Delineate.Grains.Intake;

/// <summary>A job to accept: its stored record already encoded, and what the indexes need.</summary>
public sealed record NewJob(Guid JobId, string Owner, byte[] Record, int FilesTotal, DateTimeOffset CreatedAt, string? IdempotencyKey, string? BodyHash);

public enum AcceptStatus
{
    /// <summary>Stored now (or by an earlier attempt of the same batch whose answer was lost).</summary>
    Created,
    /// <summary>The idempotency key already stands for a job (<see cref="AcceptOutcome.JobId"/>).</summary>
    Existing,
    /// <summary>The idempotency key was used with another body.</summary>
    BodyMismatch,
    /// <summary>The owner already has the maximum of unfinished jobs.</summary>
    OverCap,
    /// <summary>The cluster already has the maximum of unfinished jobs (<c>MAX_ACTIVE_JOBS</c>).</summary>
    OverClusterCap,
}

/// <summary>The caps an accept is checked against: unfinished jobs per owner and in the whole cluster.</summary>
public readonly record struct AdmissionLimits(int MaxActivePerOwner, int MaxActive)
{
    public static AdmissionLimits None => new(int.MaxValue, int.MaxValue);
}

public readonly record struct AcceptOutcome(AcceptStatus Status, Guid JobId);

/// <summary>A job's stored record and the version tag it was stored with.</summary>
public sealed record StoredJob(string ETag, byte[] Data);

/// <summary>One write of a job's record, with what the owner index and the shard's sets need.</summary>
public sealed record JobWrite
{
    public required string ExpectedETag { get; init; }
    public required string NewETag { get; init; }
    public required byte[] Data { get; init; }
    public required string Owner { get; init; }
    public required JobSummary Summary { get; init; }
    /// <summary>When set, the job has finished: it leaves the shard's sets and is retained until then.</summary>
    public DateTimeOffset? RetainedUntil { get; init; }
}

/// <summary>A job the shard knows: unfinished, and whether it was admitted.</summary>
public readonly record struct ShardJob(Guid JobId, string Owner, long CreatedMs, bool Running);

/// <summary>A finished job whose retention has ended.</summary>
public readonly record struct RetentionEndedJob(Guid JobId, string Owner);
