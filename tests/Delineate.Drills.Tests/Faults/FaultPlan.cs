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
