using Delineate.Grains.Jobs;
using Microsoft.Extensions.Logging;

namespace Delineate.Grains.Tests.Jobs;

/// <summary>The job storage failing mid-job: once it is back, the job goes on from what was stored.</summary>
[Collection(LongLivedJobClusterCollection.Name)]
public sealed class StorageOutageTests(LongLivedJobCluster cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_job_whose_failure_could_not_be_stored_resumes_once_storage_is_back()
    {
        var jobId = Guid.CreateVersion7();
        var job = cluster.Job(jobId);
        // The initiate and the start are stored; from the first settled file on, writes fail.
        var outage = cluster.Storage.FailWrites(job.GetGrainId(), afterWrites: 2);
        await job.Initiate(new InitiateJobRequest { FileIds = [78_001, 78_008], Owner = "alice" });
        await Eventually.Until(() => UnrecordedFailures(jobId) > 0, Timeout, "the job gives up recording its failure");

        outage.Heal();

        // The stored job is still processing, and the wake-up reminder (every second here) is what retries it.
        var status = await Eventually.Until(async () => (await job.GetStatus())!, s => s.Progress.Status == JobStatus.Completed,
            Timeout, "the job completes once storage is back");
        Assert.All(status.Files, f => Assert.Equal(FileStatus.Ready, f.Status));
        Assert.Equal(JobStatus.Completed, (await cluster.ReadJobStateAsync(jobId))!.Status);
    }

    private int UnrecordedFailures(Guid jobId) => cluster.Logs.Entries.Count(e =>
        e.Category == typeof(DownloadJobGrain).FullName && e.Level == LogLevel.Error
        && e.Message.Contains(jobId.ToString()) && e.Message.Contains("could not record its failure"));
}
