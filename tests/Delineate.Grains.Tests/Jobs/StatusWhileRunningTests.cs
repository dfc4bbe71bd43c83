namespace Delineate.Grains.Tests.Jobs;

/// <summary>The work does not hold the grain's turn: status answers while lookups are in flight.</summary>
[Collection(LongLivedJobClusterCollection.Name)]
public sealed class StatusWhileRunningTests(LongLivedJobCluster cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Prompt = TimeSpan.FromMilliseconds(500);

    [Fact]
    public async Task Status_answers_promptly_while_a_lookup_is_in_flight()
    {
        const int blocked = 73_003, fine = 73_010;
        var lookups = cluster.Source.BlockLookups([blocked]);
        var job = cluster.Job(Guid.CreateVersion7());
        await cluster.InitiateAsync(job, new InitiateJobRequest { FileIds = [blocked, fine], Owner = "alice" });
        await lookups.WhenStarted(1).WaitAsync(Timeout);

        var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => job.GetStatus())).WaitAsync(Prompt);

        Assert.Equal(1, lookups.InFlight);
        Assert.All(answers, status =>
        {
            Assert.NotNull(status);
            Assert.Equal((JobStatus.Processing, JobPhase.Fetching), (status.Progress.Status, status.Progress.Phase));
            Assert.Equal(FileStatus.Processing, status.Files.Single(f => f.FileId == blocked).Status);
            Assert.Null(status.Result);
        });
        var settled = await Eventually.Until(async () => (await job.GetStatus())!, s => s.Progress.FilesDone == 1, Timeout, "the other file settles");
        Assert.Equal(FileStatus.Ready, settled.Files.Single(f => f.FileId == fine).Status);
        Assert.InRange(settled.Progress.Percent, 1, 99);
        Assert.Equal(1, lookups.InFlight);

        Assert.Equal(CancelOutcome.Cancelled, await job.Cancel().WaitAsync(Prompt));
    }

    [Fact]
    public async Task The_admission_event_is_published_before_any_file_settles()
    {
        // Its write waits for the first progress write; the event must not (bench P3: it waited a whole file).
        const int blocked = 73_004;
        var lookups = cluster.Source.BlockLookups([blocked]);
        var jobId = Guid.CreateVersion7();
        var job = cluster.Job(jobId);
        await using var recorder = await JobEventRecorder.SubscribeAsync(cluster.Client, jobId);
        await cluster.InitiateAsync(job, new InitiateJobRequest { FileIds = [blocked], Owner = "alice" });
        await lookups.WhenStarted(1).WaitAsync(Timeout);

        var admitted = await recorder.WhenReceived(e => e.Progress.Status == JobStatus.Processing).WaitAsync(Timeout);

        Assert.Equal(1, lookups.InFlight);
        Assert.Equal((JobEventType.Progress, 1L, JobPhase.Fetching, 0), (admitted.Type, admitted.Seq, admitted.Progress.Phase, admitted.Progress.FilesDone));
        Assert.Null(admitted.File);
        Assert.Equal(CancelOutcome.Cancelled, await job.Cancel().WaitAsync(Prompt));
        var events = await recorder.UntilTerminal(Timeout);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
    }
}
