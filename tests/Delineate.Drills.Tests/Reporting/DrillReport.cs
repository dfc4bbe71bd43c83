using Delineate.Drills.Tests.Drills;
using Delineate.Drills.Tests.Faults;
using Delineate.Drills.Tests.Health;
using Delineate.Drills.Tests.Load;

namespace Delineate.Drills.Tests.Reporting;

/// <summary>What a drill run found, as written to <c>bench/results/*.json</c>.</summary>
public sealed record DrillReport
{
    public required string Kind { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required double WallSeconds { get; init; }
    public required double LoadSeconds { get; init; }
    public required int Seed { get; init; }
    public required object Cluster { get; init; }
    public required string Logs { get; init; }

    public required JobCounts Jobs { get; init; }
    public required IReadOnlyDictionary<string, int> JobFailureReasons { get; init; }
    public required IReadOnlyDictionary<string, int> FileFailureReasons { get; init; }
    public required IReadOnlyDictionary<string, int> FilesByStatus { get; init; }

    /// <summary>Server-side duration (updatedAt − createdAt of the final status) of every finished job.</summary>
    public required DurationStats Durations { get; init; }

    /// <summary>
    /// Of jobs started at least <see cref="DrillRunner.WarmUp"/> after the load began: the first
    /// minutes after a cold start (JIT, connection pools) are slow on a busy machine, and would set
    /// a short run's p95 by themselves.
    /// </summary>
    public DurationStats? SteadyDurations { get; init; }

    /// <summary>Of completed jobs only.</summary>
    public required DurationStats CompletedDurations { get; init; }

    /// <summary>From the 202 to the first poll that saw the job finished.</summary>
    public required DurationStats ClientObservedDurations { get; init; }

    public required IReadOnlyList<LostJob> Lost { get; init; }
    public required IReadOnlyList<string> NotAccepted { get; init; }
    public required IReadOnlyList<string> VerificationProblems { get; init; }
    public required IReadOnlyList<string> StreamViolations { get; init; }
    public required IReadOnlyList<string> StuckPastDeadline { get; init; }
    public required IReadOnlyList<string> TerminalReversals { get; init; }
    public required IReadOnlyDictionary<string, FollowerStats> Followers { get; init; }
    public required IReadOnlyList<FaultRecord> Faults { get; init; }
    public required IReadOnlyList<OutageHealth> Health { get; init; }
    public required IReadOnlyList<HealthSample> HealthTransitions { get; init; }
    public required IReadOnlyDictionary<string, int> Http { get; init; }
    public required int ServerErrors { get; init; }
    public required IReadOnlyList<ServerErrorSample> ServerErrorSamples { get; init; }
    public required IReadOnlyDictionary<string, int> InitiateAttempts { get; init; }
    /// <summary>Job states in Redis whose id no client was ever given (a half-done initiate replaced by a retry).</summary>
    public IReadOnlyList<string> OrphanJobStates { get; init; } = [];
    public MachineLoad? MachineLoad { get; init; }
    public IReadOnlyList<ProcessSample> ProcessSamples { get; init; } = [];
    public IReadOnlyList<ProcessTrend> ProcessTrends { get; init; } = [];
}
