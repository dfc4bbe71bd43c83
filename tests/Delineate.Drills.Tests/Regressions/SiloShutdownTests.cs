namespace Delineate.Drills.Tests.Regressions;

/// <summary>
/// SIGTERM of a silo in the middle of jobs: it hands its jobs over (DownloadJobGrain.OnDeactivateAsync
/// wakes them elsewhere) and exits by itself; every job completes with a correct archive.
/// </summary>
[Collection(RegressionClusterCollection.Name)]
[Trait("Category", "Regression")]
public sealed class SiloShutdownTests(RegressionCluster fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task SIGTERM_of_a_silo_hands_its_jobs_over_and_every_job_completes()
    {
        await fixture.ResetAsync(output);
        var jobs = new List<Load.JobRecord>();
        for (var i = 0; i < 6; i++)
        {
            jobs.Add(await fixture.InitiateAsync(RegressionCluster.Files(50, offset: 500 + (i * 50))));
        }

        // The silo whose log says it started one of these jobs, once every job is under way.
        Cluster.ServiceSlot? leaving = null;
        await Poll.UntilAsync("a silo to be running one of the jobs", TimeSpan.FromSeconds(30), _ =>
        {
            leaving = fixture.Cluster.Silos.FirstOrDefault(s => s.Current is { } p && jobs.Any(j => StartedOn(p.Process, j.JobId!)));
            return Task.FromResult(leaving is not null);
        });
        var onLeaving = jobs.Count(j => StartedOn(leaving!.Current!.Process, j.JobId!));

        var (graceful, took, pid, exitCode) = await fixture.Cluster.StopGracefullyAsync(leaving!, TimeSpan.FromSeconds(60));
        output.WriteLine($"SIGTERM {leaving!.Name} (pid {pid}) with {onLeaving} of the jobs: exited {(graceful ? "by itself" : "only after SIGKILL")} after {took.TotalSeconds:F1} s (code {exitCode})");
        Assert.True(graceful && took <= ExitWithin, $"{leaving.Name} should exit by itself within {ExitWithin.TotalSeconds:F0} s of SIGTERM; it took {took.TotalSeconds:F1} s");

        foreach (var job in jobs)
        {
            var status = await fixture.WaitForTerminalAsync(job, TimeSpan.FromSeconds(90));
            await fixture.AssertCompletedCleanAsync(job, status);
        }
    }

    private static bool StartedOn(ManagedProcess silo, string jobId) =>
        silo.ReadLog().Split('\n').Any(line => line.Contains($"Job {jobId} started", StringComparison.OrdinalIgnoreCase));
}
