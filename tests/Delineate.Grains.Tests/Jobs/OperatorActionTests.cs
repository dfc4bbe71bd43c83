using Delineate.Grains.Intake;

namespace Delineate.Grains.Tests.Jobs;

/// <summary>
/// The job grain's <c>Retry</c> and <c>Purge</c> on an in-process cluster whose jobs expire 2 s after
/// they finish and fail 1.5 s after they start: the retried run's deadline, its place outside the
/// expiry set, its events' seq, and what it fetches again.
/// </summary>
[Collection(ShortLivedJobClusterCollection.Name)]
public sealed class OperatorActionTests(ShortLivedJobCluster cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_retried_job_refetches_only_what_failed_stays_out_of_expiry_while_it_runs_and_goes_on_with_its_seq()
    {
        const int ready = 76_517, failing = 76_524;
        const string owner = "retry-owner";
        cluster.Source.FailAlways(failing, () => new UnauthorizedAccessException("injected: access denied"));
        var jobId = Guid.CreateVersion7();
        var job = cluster.Job(jobId);
        await using var recorder = await JobEventRecorder.SubscribeAsync(cluster.Client, jobId);
        await cluster.InitiateAsync(job, new InitiateJobRequest { FileIds = [ready, failing], Owner = owner });
        var first = (await recorder.UntilTerminal(Timeout))[^1];
        Assert.Equal(JobEventType.Completed, first.Type);
        Assert.Equal(1, first.Progress.FilesFailed);

        // The retried run holds in its lookup of the failed file until its own deadline cancels it.
        var lookups = cluster.Source.BlockLookups([failing]);
        Assert.Equal(RetryOutcome.Retried, await job.Retry(new RetryJobRequest()));
        await lookups.WhenStarted(1).WaitAsync(Timeout);
        Assert.Equal(JobStatus.Processing, (await job.GetStatus())!.Progress.Status);
        Assert.Equal(RetryOutcome.Unfinished, await job.Retry(new RetryJobRequest()));
        Assert.Equal(PurgeOutcome.Unfinished, await job.Purge());

        // A sweep that saw the job in its expiry set before the retry leaves it; the set no longer holds it.
        await job.EndRetention();
        Assert.NotNull(await job.GetStatus());
        var due = await cluster.SiloService<IJobStore>().RetentionEndedAsync(IntakeShards.Of(owner), DateTimeOffset.UtcNow.AddDays(1), 10_000);
        Assert.DoesNotContain(due, e => e.JobId == jobId);

        var second = await recorder.WhenReceived(e => e.Seq > first.Seq && e.Type == JobEventType.Failed).WaitAsync(Timeout);
        Assert.Contains("JOB_TIMEOUT_MS", second.Error);
        var afterFirst = recorder.Events.Where(e => e.Seq > first.Seq && e.Seq <= second.Seq).ToList();
        Assert.Equal(Enumerable.Range((int)first.Seq + 1, (int)(second.Seq - first.Seq)).Select(s => (long)s), afterFirst.Select(e => e.Seq));
        Assert.Equal((JobEventType.Progress, JobStatus.Queued, 0), (afterFirst[0].Type, afterFirst[0].Progress.Status, afterFirst[0].Progress.Percent));
        Assert.Equal(1, cluster.Source.LookupsOf(ready));

        // Healed, a retry under an idempotency key completes the job; the same key again changes nothing.
        cluster.Source.FailTransiently(failing, times: 0);
        Assert.Equal(RetryOutcome.Retried, await job.Retry(new RetryJobRequest { IdempotencyKey = "heal" }));
        Assert.Equal(RetryOutcome.Retried, await job.Retry(new RetryJobRequest { IdempotencyKey = "heal" }));
        var done = await recorder.WhenReceived(e => e.Seq > second.Seq && e.Type == JobEventType.Completed).WaitAsync(Timeout);
        var status = (await job.GetStatus())!;
        Assert.Equal(2, status.Result!.SuccessCount);
        Assert.Equal(done.Seq, status.Seq);
        Assert.Equal(1, cluster.Source.LookupsOf(ready));
        Assert.Equal(1, status.Files.Single(f => f.FileId == ready).Attempts);
        Assert.True(File.Exists(cluster.ExportPath(jobId)), "the rebuilt archive exists");
        Assert.Equal(RetryOutcome.NothingToRetry, await job.Retry(new RetryJobRequest()));

        Assert.Equal(PurgeOutcome.Purged, await job.Purge());
        Assert.Null(await job.GetStatus());
        Assert.False(File.Exists(cluster.ExportPath(jobId)), "the purged job's archive is deleted");
        Assert.Equal(PurgeOutcome.NotFound, await job.Purge());
        Assert.Equal(RetryOutcome.NotFound, await job.Retry(new RetryJobRequest()));
    }

    [Fact]
    public async Task A_retry_over_the_owners_cap_is_refused_and_leaves_the_finished_job_as_it_was()
    {
        const int failing = 76_531;
        cluster.Source.FailAlways(failing, () => new UnauthorizedAccessException("injected: access denied"));
        var jobId = Guid.CreateVersion7();
        var job = cluster.Job(jobId);
        await using var recorder = await JobEventRecorder.SubscribeAsync(cluster.Client, jobId);
        await cluster.InitiateAsync(job, new InitiateJobRequest { FileIds = [failing], Owner = "capped-owner" });
        var finished = (await recorder.UntilTerminal(Timeout))[^1];
        Assert.Equal(JobEventType.Failed, finished.Type);

        Assert.Equal(RetryOutcome.OverCap, await job.Retry(new RetryJobRequest { MaxActivePerOwner = 0 }));
        Assert.Equal(RetryOutcome.OverClusterCap, await job.Retry(new RetryJobRequest { MaxActive = 0 }));

        var status = (await job.GetStatus())!;
        Assert.Equal((JobStatus.Failed, finished.Seq), (status.Progress.Status, status.Seq));
        Assert.Equal(finished.Seq, recorder.Events[^1].Seq);
        Assert.Equal(JobStatus.Failed, (await cluster.ReadJobStateAsync(jobId))!.Status);
    }
}
