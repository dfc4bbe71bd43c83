namespace Delineate.Drills.Tests.Intake;

/// <summary>Something an <see cref="IntakeBurst"/> starts (without waiting for it) once <paramref name="AfterSent"/> initiates were sent.</summary>
public sealed record BurstMilestone(int AfterSent, string Name, Func<Task> Action);
