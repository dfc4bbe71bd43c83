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

public sealed record JobCounts(
    int Requested,
    int Accepted,
    int NotAccepted,
    int Completed,
    int CompletedWithFailedFiles,
    int Failed,
    int Cancelled,
    int Lost,
    int ArchivesVerified,
    int Verified);

public sealed record LostJob(string JobId, string LastKnownStatus, string Why);

public sealed record DurationStats(int Count, double P50, double P95, double P99, double Max)
{
    public static DurationStats Of(IEnumerable<double> seconds)
    {
        var sorted = seconds.Order().ToArray();
        return sorted.Length == 0
            ? new DurationStats(0, 0, 0, 0, 0)
            : new DurationStats(sorted.Length, Percentile(sorted, 0.50), Percentile(sorted, 0.95), Percentile(sorted, 0.99), Math.Round(sorted[^1], 2));
    }

    /// <summary>Nearest-rank percentile.</summary>
    private static double Percentile(double[] sorted, double p) =>
        Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)], 2);
}

public sealed record FollowerStats(
    int Jobs,
    int SawTerminal,
    int GaveUp,
    int Connections,
    int Reconnects,
    IReadOnlyDictionary<string, int> ConnectionEnds,
    int TerminalAtSameSeq);

/// <summary>How each silo and gateway's readiness answered during one dependency outage.</summary>
public sealed record OutageHealth(FaultKind Kind, double AtSecond, double DownSeconds, IReadOnlyList<HealthVerdict> Processes);

/// <summary>Memory and handles of one process slot over the soak, after warm-up.</summary>
public sealed record ProcessTrend(
    string Process,
    int Samples,
    double WarmUpSeconds,
    double RssMeanMb,
    double RssMinMb,
    double RssMaxMb,
    double RssFirstMb,
    double RssLastMb,
    double RssMaxDeviationPercent,
    int FdsMin,
    int FdsMax,
    int ThreadsMin,
    int ThreadsMax);
