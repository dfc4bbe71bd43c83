namespace Delineate.Drills.Tests.Faults;

/// <summary>One planned fault: what, when, and for how long.</summary>
/// <param name="At">Offset from the start of the load.</param>
/// <param name="Duration">How long the dependency stays down (outages), or how long before the process is restarted (kills and stops).</param>
public sealed record ScheduledFault(TimeSpan At, FaultKind Kind, TimeSpan Duration);
