using System.Diagnostics;
using Delineate.Grains.Jobs;
using Microsoft.Extensions.Logging;

namespace Delineate.Grains.Tests.Jobs;

/// <summary>
/// A silo stopping gracefully (a deploy, a scale-in) pauses its running jobs at once, without failing
/// them, so another silo can take them over; it does not wait for them to finish.
/// </summary>
public sealed class SiloShutdownTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly StoppableJobCluster _cluster = new();

    [Fact]
    public async Task A_graceful_silo_stop_pauses_a_running_job_promptly_without_failing_it()
    {
        var lookups = _cluster.Source.BlockLookups([77_001]);
        var jobId = Guid.CreateVersion7();
        await _cluster.InitiateAsync(_cluster.Job(jobId), new InitiateJobRequest { FileIds = [77_001, 77_008], Owner = "alice" });
        await lookups.WhenStarted(1).WaitAsync(Timeout);

        var clock = Stopwatch.StartNew();
        var stopping = _cluster.Cluster.StopSiloAsync(_cluster.Cluster.Silos[0]);
        var lookupStopped = lookups.WhenCancelled(1);
        await Task.WhenAny(lookupStopped, stopping);
        var pausedAfter = clock.Elapsed;
        await stopping.WaitAsync(Timeout);

        Assert.True(lookupStopped.IsCompleted && pausedAfter < TimeSpan.FromSeconds(1),
            $"the running lookup was not stopped within 1 s of the silo stopping (waited {pausedAfter.TotalMilliseconds:0} ms)");
        Assert.True(clock.Elapsed < StoppableJobCluster.ShutdownTimeout, $"the silo stop took {clock.Elapsed.TotalMilliseconds:0} ms");
        var grainErrors = _cluster.Logs.Entries.Where(e => e.Category == typeof(DownloadJobGrain).FullName && e.Level >= LogLevel.Error);
        Assert.Empty(grainErrors);
    }

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();
}
