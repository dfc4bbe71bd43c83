namespace Delineate.Drills.Tests.Faults;

/// <summary>
/// What a drill does to the cluster and when. Faults on one track run one after the other (a late
/// one waits for the previous to finish); tracks run side by side, so faults of different tracks
/// may overlap, as they would in production.
/// </summary>
public sealed record FaultPlan(IReadOnlyList<IReadOnlyList<ScheduledFault>> Tracks)
{
    public static FaultPlan None { get; } = new([]);

    public IEnumerable<ScheduledFault> All => Tracks.SelectMany(t => t);

    public int Count(FaultKind kind) => All.Count(f => f.Kind == kind);
}

/// <param name="At">Offset from the start of the load.</param>
/// <param name="Duration">How long the dependency stays down (outages), or how long before the process is restarted (kills and stops).</param>
public sealed record ScheduledFault(TimeSpan At, FaultKind Kind, TimeSpan Duration);

public enum FaultKind
{
    /// <summary>kill -9 of a random silo, restarted after the duration.</summary>
    SiloKill,

    /// <summary>SIGTERM of a random silo (its grains hand over), restarted after the duration.</summary>
    SiloTerm,

    /// <summary>kill -9 of a gateway while clients follow jobs through it, restarted after the duration.</summary>
    GatewayKill,

    /// <summary>SIGTERM of a gateway: its WebSocket clients should get 1001 and resume elsewhere.</summary>
    GatewayTerm,

    /// <summary>redis-server stopped (SIGTERM) and started again on the same data after the duration.</summary>
    RedisRestart,

    /// <summary>s3rver stopped and started again on the same data after the duration.</summary>
    S3Outage,
}
