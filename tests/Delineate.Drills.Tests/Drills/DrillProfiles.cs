using Delineate.Drills.Tests.Cluster;
using Delineate.Drills.Tests.Faults;

namespace Delineate.Drills.Tests.Drills;

/// <summary>The drills of issue #8: short (in ./test.sh), long, its fault-free baseline, and the soak.</summary>
public static class DrillProfiles
{
    /// <summary>
    /// ≤ 5 minutes: 100 jobs over ~70 s; a silo killed at 12 s and another at 62 s (each restarted
    /// 3 s later), Redis restarted at 25 s (down 4 s), S3 down from 36 s for 20 s.
    /// </summary>
    public static DrillProfile Short(int? seed = null) => new()
    {
        Name = "short",
        Seed = seed,
        Jobs = 100,
        InitiateEvery = TimeSpan.FromMilliseconds(700),
        Cluster = new DrillClusterOptions { TimeoutMs = 120_000 },
        Faults = new FaultPlan(
        [
            [
                new ScheduledFault(TimeSpan.FromSeconds(12), FaultKind.SiloKill, TimeSpan.FromSeconds(3)),
                new ScheduledFault(TimeSpan.FromSeconds(25), FaultKind.RedisRestart, TimeSpan.FromSeconds(4)),
                new ScheduledFault(TimeSpan.FromSeconds(36), FaultKind.S3Outage, TimeSpan.FromSeconds(20)),
                new ScheduledFault(TimeSpan.FromSeconds(62), FaultKind.SiloKill, TimeSpan.FromSeconds(3)),
            ],
        ]),
    };

    /// <summary>The long drill's load (same pace, same jobs) for 150 jobs, no faults: the baseline for its job durations.</summary>
    public static DrillProfile Baseline(int? seed = null) => Long(seed) with { Name = "baseline", Jobs = 150, Faults = FaultPlan.None };

    /// <summary>
    /// 10 minutes, ≥ 300 jobs (one every 1.5 s: ~400): a random silo killed every 15–20 s (restarted
    /// 5 s later) throughout; on a second track a Redis restart, an S3 outage of 20–30 s, a gateway
    /// killed while clients follow jobs, and SIGTERM of a silo and of a gateway.
    /// </summary>
    public static DrillProfile Long(int? seed = null)
    {
        var random = new Random(seed ?? 8);
        var kills = new List<ScheduledFault>();
        for (var at = 15.0 + random.Next(6); at < 600; at += 15 + random.Next(6))
        {
            kills.Add(new ScheduledFault(TimeSpan.FromSeconds(at), FaultKind.SiloKill, TimeSpan.FromSeconds(5)));
        }

        return new DrillProfile
        {
            Name = "long",
            Seed = seed,
            Jobs = 400,
            InitiateEvery = TimeSpan.FromMilliseconds(1500),
            Cluster = new DrillClusterOptions { TimeoutMs = 180_000 },
            Faults = new FaultPlan(
            [
                kills,
                [
                    new ScheduledFault(TimeSpan.FromSeconds(70), FaultKind.RedisRestart, TimeSpan.FromSeconds(5)),
                    new ScheduledFault(TimeSpan.FromSeconds(150), FaultKind.S3Outage, TimeSpan.FromSeconds(20 + random.Next(11))),
                    new ScheduledFault(TimeSpan.FromSeconds(250), FaultKind.GatewayKill, TimeSpan.FromSeconds(5)),
                    new ScheduledFault(TimeSpan.FromSeconds(330), FaultKind.SiloTerm, TimeSpan.FromSeconds(5)),
                    new ScheduledFault(TimeSpan.FromSeconds(410), FaultKind.GatewayTerm, TimeSpan.FromSeconds(5)),
                    new ScheduledFault(TimeSpan.FromSeconds(490), FaultKind.RedisRestart, TimeSpan.FromSeconds(5)),
                ],
            ]),
        };
    }

    /// <summary>
    /// 20 minutes of steady load and no faults: a job every 2 s (3–8 files), followed over WebSocket,
    /// SSE or polling, the owners' job lists every 2 s; exports expire after 3 minutes so state stays
    /// bounded; memory, handles and threads of every process sampled every 15 s.
    /// </summary>
    public static DrillProfile Soak(TimeSpan? duration = null, int? seed = null) => new()
    {
        Name = "soak",
        Seed = seed,
        LoadDuration = duration ?? TimeSpan.FromMinutes(20),
        InitiateEvery = TimeSpan.FromSeconds(2),
        MinFiles = 3,
        MaxFiles = 8,
        Owners = 8,
        ListEvery = TimeSpan.FromSeconds(2),
        VerifyOnFinish = true,
        SampleProcessesEvery = TimeSpan.FromSeconds(15),
        Cluster = new DrillClusterOptions
        {
            DelayMinMs = 500,
            DelayMaxMs = 1_500,
            TtlSeconds = 180,
            TimeoutMs = 120_000,
        },
    };
}
