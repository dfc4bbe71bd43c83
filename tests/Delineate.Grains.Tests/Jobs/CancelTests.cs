using System.Diagnostics;

namespace Delineate.Grains.Tests.Jobs;

/// <summary>Cancel takes effect within a second, stops in-flight work and starts nothing new.</summary>
[Collection(LongLivedJobClusterCollection.Name)]
public sealed class CancelTests(LongLivedJobCluster cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan OneSecond = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Cancel_lands_within_a_second_and_stops_the_lookups_in_flight()
    {
        int[] fileIds = [72_002, 72_009, 72_016, 72_023, 72_030, 72_037];
        var lookups = cluster.Source.BlockLookups(fileIds);
        var jobId = Guid.CreateVersion7();
        var job = cluster.Job(jobId);
        await using var recorder = await JobEventRecorder.SubscribeAsync(cluster.Client, jobId);
        await cluster.InitiateAsync(job, new InitiateJobRequest { FileIds = fileIds, Owner = "alice" });
        var concurrency = cluster.Options.JobConcurrency;
        await lookups.WhenStarted(concurrency).WaitAsync(Timeout);

        var clock = Stopwatch.StartNew();
        var outcome = await job.Cancel();
        await lookups.WhenCancelled(concurrency).WaitAsync(OneSecond);
        var status = await job.GetStatus();
        clock.Stop();

        Assert.Equal(CancelOutcome.Cancelled, outcome);
        Assert.True(clock.Elapsed < OneSecond, $"cancel took {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.NotNull(status);
        Assert.Equal((JobStatus.Cancelled, JobPhase.Finished), (status.Progress.Status, status.Progress.Phase));
        Assert.All(status.Files, f => Assert.Equal(FileStatus.Pending, f.Status));
        Assert.NotNull(status.Result);
        Assert.Null(status.Result.ArchiveUrl);
        var last = (await recorder.UntilTerminal(Timeout))[^1];
        Assert.Equal((JobEventType.Cancelled, JobStatus.Cancelled), (last.Type, last.Progress.Status));

        // Nothing new starts: a further lookup would begin at once, as the first ones did.
        await Assert.ThrowsAsync<TimeoutException>(() => lookups.WhenStarted(concurrency + 1).WaitAsync(TimeSpan.FromMilliseconds(500)));
        Assert.Equal(concurrency, lookups.Started);
        Assert.Equal(0, lookups.InFlight);
        Assert.Equal(CancelOutcome.AlreadyFinished, await job.Cancel());
        Assert.False(File.Exists(cluster.ExportPath(jobId)));
    }

    [Fact]
    public async Task Cancel_while_bundling_aborts_the_partial_upload()
    {
        const int slow = 72_044, fine = 72_051;
        var opening = cluster.Source.BlockOpen(slow);
        var jobId = Guid.CreateVersion7();
        var job = cluster.Job(jobId);
        await cluster.InitiateAsync(job, new InitiateJobRequest { FileIds = [fine, slow], Owner = "alice" });
        await opening.WhenStarted(1).WaitAsync(Timeout);
        var before = await job.GetStatus();
        Assert.Equal(JobPhase.Bundling, before!.Progress.Phase);
        Assert.NotEmpty(UploadFiles(jobId));

        var clock = Stopwatch.StartNew();
        Assert.Equal(CancelOutcome.Cancelled, await job.Cancel());
        await opening.WhenCancelled(1).WaitAsync(OneSecond);
        clock.Stop();

        Assert.True(clock.Elapsed < OneSecond, $"cancel took {clock.Elapsed.TotalMilliseconds:0} ms");
        await Eventually.Until(() => UploadFiles(jobId).Length == 0, Timeout, "the partial upload is removed");
        Assert.Equal(JobStatus.Cancelled, (await job.GetStatus())!.Progress.Status);
    }

    /// <summary>The export and any part file of an upload in progress.</summary>
    private string[] UploadFiles(Guid jobId)
    {
        var path = cluster.ExportPath(jobId);
        var folder = Path.GetDirectoryName(path)!;
        return Directory.Exists(folder) ? Directory.GetFiles(folder, Path.GetFileName(path) + "*") : [];
    }
}
