using Delineate.Grains.Storage;

namespace Delineate.Grains.Tests.Jobs;

[Collection(LongLivedJobClusterCollection.Name)]
public sealed class JobLifecycleTests(LongLivedJobCluster cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_job_goes_queued_processing_bundling_completed_with_ordered_events()
    {
        int[] fileIds = [70_000, 70_007, 70_001];
        var jobId = Guid.CreateVersion7();
        await using var recorder = await JobEventRecorder.SubscribeAsync(cluster.Client, jobId);

        var accepted = await cluster.InitiateAsync(cluster.Job(jobId), Request(fileIds));

        Assert.Equal(JobStatus.Queued, accepted.Progress.Status);
        Assert.Equal(JobPhase.Queued, accepted.Progress.Phase);
        Assert.Equal(0, accepted.Seq);
        Assert.Equal(fileIds, accepted.Files.Select(f => f.FileId));
        Assert.All(accepted.Files, f => Assert.Equal(FileStatus.Pending, f.Status));
        Assert.Null(accepted.Result);

        var events = await recorder.UntilTerminal(Timeout);

        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.All(events.Zip(events.Skip(1)), pair =>
        {
            Assert.True(pair.Second.Progress.Percent >= pair.First.Progress.Percent, "progress went back");
            Assert.True(pair.Second.Progress.Phase >= pair.First.Progress.Phase, "phase went back");
        });
        Assert.All(events, e => Assert.Equal(jobId, e.JobId));
        var first = events[0];
        Assert.Equal((JobEventType.Progress, JobStatus.Processing, JobPhase.Fetching), (first.Type, first.Progress.Status, first.Progress.Phase));
        Assert.Contains(events, e => e.Progress is { Status: JobStatus.Processing, Phase: JobPhase.Bundling });
        Assert.All(events.SkipLast(1), e => Assert.Equal((JobEventType.Progress, JobStatus.Processing), (e.Type, e.Progress.Status)));
        var last = events[^1];
        Assert.Equal((JobEventType.Completed, JobStatus.Completed, JobPhase.Finished, 100), (last.Type, last.Progress.Status, last.Progress.Phase, last.Progress.Percent));
        var fileEvents = events.Where(e => e.File is not null).ToList();
        Assert.Equal(fileIds.Order(), fileEvents.Select(e => e.File!.FileId).Order());
        Assert.Equal(FileStatus.Missing, fileEvents.Single(e => e.File!.FileId == 70_001).File!.Status);

        var status = await cluster.Job(jobId).GetStatus();
        Assert.NotNull(status);
        Assert.Equal(last.Seq, status.Seq);
        Assert.Equal(JobStatus.Completed, status.Progress.Status);
        Assert.Equal(100, status.Progress.Percent);
        Assert.Equal((3, 3, 1, 0), (status.Progress.FilesDone, status.Progress.FilesTotal, status.Progress.FilesMissing, status.Progress.FilesFailed));
        Assert.Equal(SyntheticCatalogue.SizeOf(70_000) + SyntheticCatalogue.SizeOf(70_007), status.Progress.BytesDone);
        Assert.Null(status.Error);
        var result = status.Result;
        Assert.NotNull(result);
        Assert.Equal((2, 1, 0), (result.SuccessCount, result.MissingCount, result.FailedCount));
        Assert.NotNull(result.ArchiveUrl);
        Assert.NotNull(result.ExpiresAt);
        Assert.Equal(2, result.DownloadUrls.Count);
        var ready = status.Files.Single(f => f.FileId == 70_000);
        Assert.Equal((FileStatus.Ready, SyntheticCatalogue.SizeOf(70_000), 1), (ready.Status, ready.Size, ready.Attempts));
        Assert.NotNull(ready.Url);
        var missing = status.Files.Single(f => f.FileId == 70_001);
        Assert.Equal((FileStatus.Missing, (long?)null, 1, (string?)null), (missing.Status, missing.Size, missing.Attempts, missing.Url));

        // A client resuming after a seq gets exactly the events it missed.
        Assert.Equal(events, await cluster.Job(jobId).GetEventsAfter(0));
        Assert.Equal(events.Skip(2), await cluster.Job(jobId).GetEventsAfter(2));
        Assert.Empty((await cluster.Job(jobId).GetEventsAfter(last.Seq))!);
    }

    [Fact]
    public async Task A_job_with_no_available_file_fails_with_an_error()
    {
        var jobId = Guid.CreateVersion7();
        await using var recorder = await JobEventRecorder.SubscribeAsync(cluster.Client, jobId);

        await cluster.InitiateAsync(cluster.Job(jobId), Request([70_002, 70_003]));
        var events = await recorder.UntilTerminal(Timeout);

        var last = events[^1];
        Assert.Equal((JobEventType.Failed, JobStatus.Failed), (last.Type, last.Progress.Status));
        Assert.False(string.IsNullOrWhiteSpace(last.Error));
        var status = await cluster.Job(jobId).GetStatus();
        Assert.NotNull(status);
        Assert.Equal(JobStatus.Failed, status.Progress.Status);
        Assert.Equal(last.Error, status.Error);
        Assert.NotNull(status.Result);
        Assert.Equal((0, 2, 0), (status.Result.SuccessCount, status.Result.MissingCount, status.Result.FailedCount));
        Assert.Null(status.Result.ArchiveUrl);
        Assert.Empty(status.Result.DownloadUrls);
        Assert.False(File.Exists(cluster.ExportPath(jobId)));
    }

    [Fact]
    public async Task Initiating_an_existing_job_again_returns_it_unchanged()
    {
        var jobId = Guid.CreateVersion7();
        var job = cluster.Job(jobId);
        var first = await cluster.InitiateAsync(job, Request([70_014], owner: "alice"));

        var again = await cluster.InitiateAsync(job, Request([70_021, 70_028], owner: "bob"));

        Assert.Equal((jobId, "alice", first.CreatedAt), (again.JobId, again.Owner, again.CreatedAt));
        Assert.Equal([70_014], again.Files.Select(f => f.FileId));

        var finished = await WaitUntilFinished(job);
        var afterFinish = await cluster.InitiateAsync(job, Request([70_035], owner: "bob"));
        Assert.Equal(JobStatus.Completed, afterFinish.Progress.Status);
        Assert.Equal((finished.Seq, "alice"), (afterFinish.Seq, afterFinish.Owner));
        Assert.Equal([70_014], afterFinish.Files.Select(f => f.FileId));
    }

    [Fact]
    public async Task Duplicate_file_ids_are_dropped_and_order_is_kept()
    {
        var snapshot = await cluster.InitiateAsync(cluster.Job(Guid.CreateVersion7()), Request([70_049, 70_042, 70_049, 70_043, 70_042]));

        Assert.Equal([70_049, 70_042, 70_043], snapshot.Files.Select(f => f.FileId));
        Assert.Equal(3, snapshot.Progress.FilesTotal);
    }

    [Fact]
    public async Task An_unknown_job_has_no_status_and_cannot_be_cancelled()
    {
        var job = cluster.Job(Guid.CreateVersion7());

        Assert.Null(await job.GetStatus());
        Assert.Equal(CancelOutcome.NotFound, await job.Cancel());
        Assert.Null(await job.GetStatus());
    }

    [Fact]
    public async Task Cancelling_a_finished_job_says_already_finished_and_changes_nothing()
    {
        var job = cluster.Job(Guid.CreateVersion7());
        await cluster.InitiateAsync(job, Request([70_056]));
        var finished = await WaitUntilFinished(job);

        Assert.Equal(CancelOutcome.AlreadyFinished, await job.Cancel());

        var after = await job.GetStatus();
        Assert.NotNull(after);
        Assert.Equal((JobStatus.Completed, finished.Seq), (after.Progress.Status, after.Seq));
    }

    private static Task<JobSnapshot> WaitUntilFinished(IDownloadJobGrain job) =>
        Eventually.Until(async () => (await job.GetStatus())!, s => s.Progress.Status.IsTerminal(), Timeout, "the job finishes");

    private static InitiateJobRequest Request(IReadOnlyList<int> fileIds, string owner = "alice") =>
        new() { FileIds = fileIds, Owner = owner };
}
