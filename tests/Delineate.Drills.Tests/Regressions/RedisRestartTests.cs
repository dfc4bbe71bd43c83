namespace Delineate.Drills.Tests.Regressions;

/// <summary>
/// Bug found by the short drill: a state write that failed while Redis restarted escaped the work
/// loop (DownloadJobGrain.RunAsync's catch-all) and failed the job with "The job hit an internal
/// error.", although Redis was back seconds later (12 of 100 jobs in the first drill).
/// </summary>
[Collection(RegressionClusterCollection.Name)]
[Trait("Category", "Regression")]
public sealed class RedisRestartTests(RegressionCluster fixture, ITestOutputHelper output)
{
    /// <summary>Longer than StackExchange.Redis keeps commands in its backlog (5 s), so writes do fail.</summary>
    private static readonly TimeSpan RedisDown = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task A_job_running_through_a_Redis_restart_completes()
    {
        await fixture.ResetAsync(output);
        var job = await fixture.InitiateAsync(RegressionCluster.Files(60, offset: 100));
        await fixture.WaitForStatusAsync(job, "4 files done", s => s.Long("filesDone") >= 4, TimeSpan.FromSeconds(60));

        await fixture.Cluster.Redis.StopAsync();
        await Task.Delay(RedisDown); // the outage itself, not a wait for a condition
        await fixture.Cluster.Redis.StartAsync();
        output.WriteLine($"Redis was down {RedisDown.TotalSeconds:F0} s");

        var status = await fixture.WaitForTerminalAsync(job, TimeSpan.FromSeconds(90));
        await fixture.AssertCompletedCleanAsync(job, status);
    }
}
