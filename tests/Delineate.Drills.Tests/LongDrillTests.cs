using Delineate.Drills.Tests.Drills;
using Delineate.Drills.Tests.Faults;

namespace Delineate.Drills.Tests;

/// <summary>
/// The long drill and its fault-free baseline (run by <c>bench/chaos.sh long</c>; excluded from
/// ./test.sh by <c>Category!=Long</c>). Reports go to bench/results/drill-{baseline,long}-*.json.
/// </summary>
[Trait("Category", "Long")]
public sealed class LongDrillTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Baseline_without_faults()
    {
        var profile = DrillProfiles.Baseline(DrillSeed.FromEnvironment());
        var report = await new DrillRunner(profile, output.WriteLine).RunAsync();

        output.WriteLine($"jobs: {JsonSerializer.Serialize(report.Jobs)}; durations {JsonSerializer.Serialize(report.Durations)}");
        DrillAssert.EveryJobAccountedFor(report, profile.Jobs);
        Assert.True(report.Jobs.Failed == 0, $"{report.Jobs.Failed} jobs failed without any fault: {JsonSerializer.Serialize(report.JobFailureReasons)}");
        Assert.True(report.ServerErrors == 0, $"{report.ServerErrors} 5xx answers without any fault: {JsonSerializer.Serialize(report.ServerErrorSamples.Take(5))}");
    }

    [Fact]
    public async Task Ten_minutes_of_silo_kills_and_every_other_fault()
    {
        var profile = DrillProfiles.Long(DrillSeed.FromEnvironment());
        var report = await new DrillRunner(profile, output.WriteLine).RunAsync();

        output.WriteLine($"jobs: {JsonSerializer.Serialize(report.Jobs)}; durations {JsonSerializer.Serialize(report.Durations)}");
        Assert.True(report.Faults.Count(f => f.Kind == FaultKind.SiloKill && f.Error is null) >= 30, "fewer than 30 silo kills happened");
        DrillAssert.EveryJobAccountedFor(report, profile.Jobs);
    }
}
