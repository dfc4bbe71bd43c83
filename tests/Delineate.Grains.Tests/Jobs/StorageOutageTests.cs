using Delineate.Grains.Jobs;
using Microsoft.Extensions.Logging;

namespace Delineate.Grains.Tests.Jobs;

/// <summary>The job storage failing mid-job: a blip is ridden out by retried writes, and the job goes on.</summary>
[Collection(LongLivedJobClusterCollection.Name)]
public sealed class StorageOutageTests(LongLivedJobCluster cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_short_storage_outage_is_ridden_out_and_the_job_completes_without_failing()
    {
        var jobId = Guid.CreateVersion7();
        var job = cluster.Job(jobId);
        // The initiate and the start are stored; from the first settled file on, writes fail.
        var outage = cluster.Storage.FailWrites(job.GetGrainId(), afterWrites: 2);
        await cluster.InitiateAsync(job, new InitiateJobRequest { FileIds = [78_001, 78_008], Owner = "alice" });
        await outage.WhenFailed(3).WaitAsync(Timeout);

        outage.Heal();

        var status = await Eventually.Until(async () => (await job.GetStatus())!, s => s.Progress.Status.IsTerminal(),
            Timeout, "the job finishes once storage is back");
        Assert.Equal(JobStatus.Completed, status.Progress.Status);
        Assert.All(status.Files, f => Assert.Equal(FileStatus.Ready, f.Status));
        Assert.Equal(JobStatus.Completed, (await cluster.ReadJobStateAsync(jobId))!.Status);
        Assert.Equal(0, Errors(jobId));
    }

    private int Errors(Guid jobId) => cluster.Logs.Entries.Count(e =>
        e.Category == typeof(DownloadJobGrain).FullName && e.Level == LogLevel.Error && e.Message.Contains(jobId.ToString()));
}
