using Delineate.Drills.Tests.Drills;
using Delineate.Drills.Tests.Faults;

namespace Delineate.Drills.Tests;

/// <summary>
/// The short drill, part of ./test.sh: 100 jobs on 3 silos and 2 gateways while two silos are
/// killed with SIGKILL, Redis restarts once and S3 is down for 20 s. Every job must end, none may
/// be lost, and every archive must hold exactly the ready files, byte for byte.
/// </summary>
[Trait("Category", "Drill")]
public sealed class ShortDrillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Hundred_jobs_survive_two_silo_kills_a_redis_restart_and_an_s3_outage()
    {
        var profile = DrillProfiles.Short(DrillSeed.FromEnvironment());
        var report = await new DrillRunner(profile, output.WriteLine).RunAsync();

        output.WriteLine($"jobs: {JsonSerializer.Serialize(report.Jobs)}; p95 {report.Durations.P95} s; http 5xx {report.ServerErrors}");
        Assert.Equal(2, report.Faults.Count(f => f.Kind == FaultKind.SiloKill && f.Error is null));
        Assert.Equal(1, report.Faults.Count(f => f.Kind == FaultKind.RedisRestart && f.Error is null));
        Assert.Equal(1, report.Faults.Count(f => f.Kind == FaultKind.S3Outage && f.Error is null));
        DrillAssert.EveryJobAccountedFor(report, profile.Jobs);
    }
}
