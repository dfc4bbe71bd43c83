namespace Delineate.Grains.Tests.Jobs;

/// <summary>JOB_TTL_SECONDS after a job finishes, its state and its export are gone.</summary>
[Collection(ShortLivedJobClusterCollection.Name)]
public sealed class RetentionTests(ShortLivedJobCluster cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_finished_job_and_its_export_are_removed_after_the_ttl()
    {
        var jobId = Guid.CreateVersion7();
        var job = cluster.Job(jobId);
        await using var recorder = await JobEventRecorder.SubscribeAsync(cluster.Client, jobId);
        await cluster.InitiateAsync(job, new InitiateJobRequest { FileIds = [76_006, 76_013], Owner = "alice" });
        var finished = (await recorder.UntilTerminal(Timeout))[^1];
        Assert.Equal(JobEventType.Completed, finished.Type);
        var export = cluster.ExportPath(jobId);
        Assert.True(File.Exists(export), "the export exists once the job completes");

        await Eventually.Until(async () => (Status: await job.GetStatus(), Export: File.Exists(export)),
            r => r.Status is null && !r.Export, Timeout, "the job's state and export are removed");

        Assert.Null(await cluster.ReadJobStateAsync(jobId));
        Assert.Equal(CancelOutcome.NotFound, await job.Cancel());
    }

    [Fact]
    public async Task A_job_past_its_deadline_fails_stops_its_work_and_is_removed_too()
    {
        // As on a fresh silo, where no job has bundled yet: the exports sub-folder does not exist.
        var exports = Path.GetDirectoryName(cluster.ExportPath(Guid.Empty))!;
        if (Directory.Exists(exports) && Directory.GetFileSystemEntries(exports).Length == 0)
        {
            Directory.Delete(exports);
        }
        var lookups = cluster.Source.BlockLookups([76_020]);
        var jobId = Guid.CreateVersion7();
        var job = cluster.Job(jobId);
        await using var recorder = await JobEventRecorder.SubscribeAsync(cluster.Client, jobId);
        await cluster.InitiateAsync(job, new InitiateJobRequest { FileIds = [76_020], Owner = "alice" });
        await lookups.WhenStarted(1).WaitAsync(Timeout);

        var failed = (await recorder.UntilTerminal(Timeout))[^1];

        Assert.Equal((JobEventType.Failed, JobStatus.Failed), (failed.Type, failed.Progress.Status));
        Assert.Contains("JOB_TIMEOUT_MS", failed.Error);
        await lookups.WhenCancelled(1).WaitAsync(Timeout);
        Assert.Equal(0, lookups.InFlight);
        Assert.Equal(1, lookups.Started);
        await Eventually.Until(job.GetStatus, s => s is null, Timeout, "the failed job is removed");
    }
}
