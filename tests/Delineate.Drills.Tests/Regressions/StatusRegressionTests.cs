using Delineate.Drills.Tests.Cluster;

namespace Delineate.Drills.Tests.Regressions;

/// <summary>
/// Bug found by the long drill (job 01a2226b-b51a-…: a poll saw seq 10 / progress 81, a later one
/// seq 9 / progress 72): GetStatus answers from the activation's in-memory state, which includes
/// events whose state write has not succeeded (yet, or ever: a duplicate activation after a silo
/// death whose writes fail with InconsistentStateException). When that activation goes away, the
/// next one starts from what was stored, and the status goes back. DESIGN: progress never goes back.
/// Made repeatable here by making job-state writes fail (Redis ACL) and killing the silo.
/// </summary>
[Collection(RegressionClusterCollection.Name)]
[Trait("Category", "Regression")]
public sealed class StatusRegressionTests(RegressionCluster fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Status_never_shows_progress_that_a_later_status_takes_back()
    {
        await fixture.ResetAsync(output);
        var job = await fixture.InitiateAsync(RegressionCluster.Files(80, offset: 700));
        await fixture.WaitForStatusAsync(job, "3 files done", s => s.Long("filesDone") >= 3, TimeSpan.FromSeconds(60));
        var host = fixture.Cluster.Silos.First(s => s.Current is { } p && p.Process.ReadLog().Contains($"Job {job.JobId} started", StringComparison.OrdinalIgnoreCase));

        var highest = (Seq: 0L, Progress: 0L);
        await RedisAclFault.DenyJobStateWritesAsync(fixture.Cluster.Redis.Port);
        try
        {
            var atDenial = await fixture.WaitForStatusAsync(job, "a status", _ => true, TimeSpan.FromSeconds(10));
            // The work goes on while its writes fail: does the status run ahead of what is stored?
            try
            {
                await fixture.WaitForStatusAsync(job, "the status to move on while writes fail", s =>
                {
                    highest = (Math.Max(highest.Seq, s.Long("seq")), Math.Max(highest.Progress, s.Long("progress")));
                    return s.Long("seq") >= atDenial.Long("seq") + 2;
                }, TimeSpan.FromSeconds(8));
            }
            catch (TimeoutException)
            {
                // It did not (the fixed behaviour): nothing to take back.
            }

            output.WriteLine($"writes denied at seq {atDenial.Long("seq")} / {atDenial.Long("progress")}%; the status then showed up to seq {highest.Seq} / {highest.Progress}%");
            await fixture.Cluster.KillAsync(host);
        }
        finally
        {
            await RedisAclFault.AllowAllAsync(fixture.Cluster.Redis.Port);
        }

        // The job resumes elsewhere from what was stored; no status may show less than was shown.
        var wentBack = new List<string>();
        var final = await fixture.WaitForStatusAsync(job, "the job to end after the silo died", s =>
        {
            if (s.Long("seq") < highest.Seq || s.Long("progress") < highest.Progress)
            {
                wentBack.Add($"seq {s.Long("seq")} / {s.Long("progress")}% ({s.String("status")}, {s.String("phase")})");
            }

            return JobStatuses.IsTerminal(s.String("status"));
        }, TimeSpan.FromSeconds(120));

        Assert.True(wentBack.Count == 0,
            $"after showing seq {highest.Seq} / {highest.Progress}%, the status went back to: {string.Join("; ", wentBack.Distinct().Take(5))}");
        await fixture.AssertCompletedCleanAsync(job, final);
    }
}
