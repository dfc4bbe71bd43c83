using System.IO.Compression;
using Delineate.Grains.Jobs;
using Delineate.Grains.Storage;

namespace Delineate.Grains.Tests.Jobs;

/// <summary>
/// A silo dying mid-job leaves only the persisted state; the next activation resumes from it. The
/// crash is simulated by writing that state into the job storage and activating the grain. (Asking
/// Orleans to deactivate a running job cannot stand in for a crash: deactivation waits for the work's
/// timer callback to finish.)
/// </summary>
[Collection(LongLivedJobClusterCollection.Name)]
public sealed class ResumeTests(LongLivedJobCluster cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_job_left_mid_fetch_resumes_without_fetching_settled_files_again()
    {
        const int settled = 74_004, inFlight = 74_011, pending = 74_018;
        var jobId = Guid.CreateVersion7();
        var state = PredecessorState(jobId, JobPhase.Fetching, seq: 2, percent: 70);
        state.Files =
        [
            Ready(settled),
            new FileState { FileId = inFlight, Status = FileStatus.Processing },
            new FileState { FileId = pending, Status = FileStatus.Pending },
        ];
        await cluster.WriteJobStateAsync(jobId, state);
        await using var recorder = await JobEventRecorder.SubscribeAsync(cluster.Client, jobId);

        var resumed = await cluster.Job(jobId).GetStatus();

        Assert.NotNull(resumed);
        Assert.Equal(JobStatus.Processing, resumed.Progress.Status);
        var events = await recorder.UntilTerminal(Timeout);
        Assert.Equal(JobEventType.Completed, events[^1].Type);
        Assert.Equal(Enumerable.Range(3, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.All(events, e => Assert.True(e.Progress.Percent >= 70, $"progress went back to {e.Progress.Percent}"));
        Assert.Equal((0, 1, 1), (cluster.Source.LookupsOf(settled), cluster.Source.LookupsOf(inFlight), cluster.Source.LookupsOf(pending)));
        var persisted = await cluster.ReadJobStateAsync(jobId);
        Assert.NotNull(persisted);
        Assert.Equal((JobStatus.Completed, 2, events[^1].Seq), (persisted.Status, persisted.Runs, persisted.Seq));
        Assert.Equal([settled, inFlight, pending], await EntriesOf(jobId));
        Assert.Null(await cluster.Job(jobId).GetEventsAfter(0));
        Assert.Equal(events, await cluster.Job(jobId).GetEventsAfter(2));
    }

    [Fact]
    public async Task A_job_left_mid_bundle_aborts_the_stale_upload_and_bundles_again()
    {
        const int first = 74_025, second = 74_032;
        var jobId = Guid.CreateVersion7();
        var state = PredecessorState(jobId, JobPhase.Bundling, seq: 4, percent: 90);
        state.Files = [Ready(first), Ready(second)];
        state.UploadId = "stale0123456789";
        var stalePart = $"{cluster.ExportPath(jobId)}.upload-{state.UploadId}";
        Directory.CreateDirectory(Path.GetDirectoryName(stalePart)!);
        await File.WriteAllTextAsync(stalePart, "half an archive");
        await cluster.WriteJobStateAsync(jobId, state);

        await cluster.Job(jobId).GetStatus();
        var status = await Eventually.Until(async () => (await cluster.Job(jobId).GetStatus())!, s => s.Progress.Status.IsTerminal(), Timeout, "the job finishes");

        Assert.Equal(JobStatus.Completed, status.Progress.Status);
        Assert.False(File.Exists(stalePart));
        Assert.Equal([first, second], await EntriesOf(jobId));
        Assert.Equal((0, 0), (cluster.Source.LookupsOf(first), cluster.Source.LookupsOf(second)));
        Assert.Null((await cluster.ReadJobStateAsync(jobId))!.UploadId);
    }

    private static DownloadJobState PredecessorState(Guid jobId, JobPhase phase, long seq, int percent)
    {
        var now = DateTimeOffset.UtcNow;
        return new DownloadJobState
        {
            Owner = "alice",
            Status = JobStatus.Processing,
            Phase = phase,
            CreatedAt = now.AddSeconds(-10),
            UpdatedAt = now.AddSeconds(-5),
            StartedAt = now.AddSeconds(-10),
            Deadline = now.AddMinutes(10),
            Seq = seq,
            Percent = percent,
            ArchiveKey = StorageKeys.Export(jobId),
            Runs = 1,
        };
    }

    private static FileState Ready(int fileId) => new()
    {
        FileId = fileId,
        Status = FileStatus.Ready,
        Size = SyntheticCatalogue.SizeOf(fileId),
        Key = StorageKeys.Source(fileId),
        Attempts = 1,
    };

    private async Task<IReadOnlyList<int>> EntriesOf(Guid jobId)
    {
        await using var zip = await ZipArchive.CreateAsync(File.OpenRead(cluster.ExportPath(jobId)), ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: null);
        return zip.Entries.Select(e => int.Parse(Path.GetFileNameWithoutExtension(e.FullName))).ToList();
    }
}
