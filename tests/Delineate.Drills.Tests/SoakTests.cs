using Delineate.Drills.Tests.Drills;

namespace Delineate.Drills.Tests;

/// <summary>
/// 20 minutes of steady load, no faults (run by <c>bench/chaos.sh soak</c>; excluded from ./test.sh
/// by <c>Category!=Soak</c>). <c>DRILL_SOAK_MINUTES</c> shortens it for a trial run.
/// </summary>
[Trait("Category", "Soak")]
public sealed class SoakTests(ITestOutputHelper output)
{
    private const double FlatWithinPercent = 10;

    [Fact]
    public async Task Twenty_minutes_of_steady_load_keep_memory_flat_and_answer_no_5xx()
    {
        var minutes = double.TryParse(Environment.GetEnvironmentVariable("DRILL_SOAK_MINUTES"), out var m) ? m : 20;
        var profile = DrillProfiles.Soak(TimeSpan.FromMinutes(minutes), DrillSeed.FromEnvironment());
        var report = await new DrillRunner(profile, output.WriteLine).RunAsync();

        foreach (var trend in report.ProcessTrends)
        {
            output.WriteLine($"{trend.Process}: RSS {trend.RssMinMb}–{trend.RssMaxMb} MB (mean {trend.RssMeanMb}, ±{trend.RssMaxDeviationPercent}%), fds {trend.FdsMin}–{trend.FdsMax}, threads {trend.ThreadsMin}–{trend.ThreadsMax}");
        }

        DrillAssert.EveryJobAccountedFor(report, report.Jobs.Requested);
        Assert.True(report.ServerErrors == 0, $"{report.ServerErrors} 5xx answers: {JsonSerializer.Serialize(report.ServerErrorSamples.Take(5))}");
        var growing = report.ProcessTrends.Where(t => t.RssMaxDeviationPercent > FlatWithinPercent).ToList();
        Assert.True(growing.Count == 0,
            $"RSS not flat within ±{FlatWithinPercent}% after warm-up: {string.Join("; ", growing.Select(t => $"{t.Process} {t.RssFirstMb}→{t.RssLastMb} MB (min {t.RssMinMb}, max {t.RssMaxMb})"))}");
    }
}
