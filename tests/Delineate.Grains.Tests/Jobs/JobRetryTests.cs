using Delineate.Grains.Jobs;

namespace Delineate.Grains.Tests.Jobs;

/// <summary>Which finished jobs an operator's retry takes, and the queued state it makes of them (no I/O).</summary>
public sealed class JobRetryTests
{
    [Theory]
    [InlineData(JobStatus.Completed, new[] { FileStatus.Ready, FileStatus.Failed }, true)]
    [InlineData(JobStatus.Completed, new[] { FileStatus.Ready, FileStatus.Missing }, false)]
    [InlineData(JobStatus.Failed, new[] { FileStatus.Missing, FileStatus.Missing }, false)]
    [InlineData(JobStatus.Failed, new[] { FileStatus.Missing, FileStatus.Failed }, true)]
    [InlineData(JobStatus.Failed, new[] { FileStatus.Ready, FileStatus.Pending }, true)] // past its deadline
    [InlineData(JobStatus.Failed, new[] { FileStatus.Ready, FileStatus.Ready }, true)] // the archive could not be stored
    [InlineData(JobStatus.Cancelled, new[] { FileStatus.Failed }, false)]
    [InlineData(JobStatus.Processing, new[] { FileStatus.Failed }, false)]
    [InlineData(JobStatus.Queued, new[] { FileStatus.Pending }, false)]
    public void A_job_is_retried_when_a_new_run_could_change_it(JobStatus status, FileStatus[] files, bool retryable)
    {
        var state = new DownloadJobState { Status = status, Files = files.Select((f, i) => new FileState { FileId = 70000 + i, Status = f }).ToList() };

        Assert.Equal(retryable, JobRetry.IsRetryable(state));
    }

    [Fact]
    public void Requeued_the_failed_and_unfinished_files_are_pending_and_the_settled_ones_kept()
    {
        var started = new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
        var state = new DownloadJobState
        {
            Status = JobStatus.Completed,
            Phase = JobPhase.Finished,
            Files =
            [
                new FileState { FileId = 70000, Status = FileStatus.Ready, Size = 10, Attempts = 1, Key = "downloads/70000.zip" },
                new FileState { FileId = 70001, Status = FileStatus.Missing, Attempts = 1 },
                new FileState { FileId = 70007, Status = FileStatus.Failed, Attempts = 3, Error = "source unavailable" },
                new FileState { FileId = 70014, Status = FileStatus.Pending },
            ],
            StartedAt = started,
            FinishedAt = started.AddSeconds(30),
            Seq = 12,
            Percent = 100,
            ArchiveKey = "exports/job.zip",
            ArchiveSize = 1234,
            Error = null,
        };

        var again = JobRetry.Requeue(state, "key-1");

        Assert.Equal(2, again);
        Assert.Equal((JobStatus.Queued, JobPhase.Queued), (state.Status, state.Phase));
        Assert.Equal([FileStatus.Ready, FileStatus.Missing, FileStatus.Pending, FileStatus.Pending], state.Files.Select(f => f.Status));
        Assert.Equal([1, 1, 3, 0], state.Files.Select(f => f.Attempts));
        Assert.Null(state.Files[2].Error);
        Assert.Equal("downloads/70000.zip", state.Files[0].Key);
        Assert.Null(state.FinishedAt);
        Assert.Null(state.ArchiveSize);
        Assert.Equal("exports/job.zip", state.ArchiveKey);
        Assert.Equal(0, state.Percent);
        Assert.Equal(12, state.Seq);
        Assert.Equal((1, "key-1"), (state.Retries, state.RetryKey));
    }
}
