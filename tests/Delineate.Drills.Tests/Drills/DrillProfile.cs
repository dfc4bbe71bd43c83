using Delineate.Drills.Tests.Cluster;
using Delineate.Drills.Tests.Faults;

namespace Delineate.Drills.Tests.Drills;

/// <summary>One kind of drill: the cluster, the load, the faults, and how long to wait for the end.</summary>
public sealed record DrillProfile
{
    public required string Name { get; init; }

    public DrillClusterOptions Cluster { get; init; } = new();

    /// <summary>Jobs to start, one every <see cref="InitiateEvery"/>; ignored when <see cref="LoadDuration"/> is set.</summary>
    public int Jobs { get; init; } = 100;

    public TimeSpan InitiateEvery { get; init; } = TimeSpan.FromMilliseconds(700);

    /// <summary>Steady load for this long (the soak) instead of a job count.</summary>
    public TimeSpan? LoadDuration { get; init; }

    public int MinFiles { get; init; } = 6;
    public int MaxFiles { get; init; } = 12;

    /// <summary>Chance that a job also asks for one id that does not exist (not a multiple of 7).</summary>
    public double MissingFileChance { get; init; } = 0.7;

    /// <summary>Chance that a job repeats one of its ids (the service drops duplicates).</summary>
    public double DuplicateChance { get; init; } = 0.1;

    public int Owners { get; init; } = 4;

    /// <summary>Share of jobs followed over WebSocket and over SSE; the rest are polled.</summary>
    public double WebSocketShare { get; init; } = 0.45;
    public double SseShare { get; init; } = 0.2;

    /// <summary>Extra requests while the load runs: the owners' job lists, this often (soak).</summary>
    public TimeSpan? ListEvery { get; init; }

    public FaultPlan Faults { get; init; } = FaultPlan.None;

    /// <summary>Check each job as soon as it ends (the soak: exports expire after JOB_TTL_SECONDS).</summary>
    public bool VerifyOnFinish { get; init; }

    /// <summary>Sample RSS, open handles and threads of every silo and gateway this often (soak).</summary>
    public TimeSpan? SampleProcessesEvery { get; init; }

    public int? Seed { get; init; }
}
