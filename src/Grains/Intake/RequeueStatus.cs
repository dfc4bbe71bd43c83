namespace Delineate.Grains.Intake;

/// <summary>What <see cref="IJobStore.RequeueAsync"/> did.</summary>
public enum RequeueStatus
{
    /// <summary>Stored as queued again (or by an earlier attempt of the same write whose answer was lost).</summary>
    Requeued,
    /// <summary>The stored record is not at the expected tag (written elsewhere, or gone).</summary>
    Conflict,
    /// <summary>The owner already has the maximum of unfinished jobs.</summary>
    OverCap,
    /// <summary>The cluster already has the maximum of unfinished jobs.</summary>
    OverClusterCap,
}
