using Delineate.Drills.Tests.Faults;
using Delineate.Drills.Tests.Health;

namespace Delineate.Drills.Tests.Reporting;

/// <summary>How each silo and gateway's readiness answered during one dependency outage.</summary>
public sealed record OutageHealth(FaultKind Kind, double AtSecond, double DownSeconds, IReadOnlyList<HealthVerdict> Processes);
