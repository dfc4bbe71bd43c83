using Delineate.Grains.Jobs;
using Delineate.Grains.Storage;

namespace Delineate.Grains.Tests.Jobs;

/// <summary>
/// The read model and the I/O-free transitions are pure functions of the state, the clock and a
/// signer: tested here without a cluster, counting every link the signer is asked for.
/// </summary>
public sealed class JobReadModelTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid JobId = Guid.Parse("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b");

    // ---- Percent ----

    [Theory]
    [InlineData(4, 0, 0)]
    [InlineData(4, 1, 22)] // 90 × 1 / 4 = 22.5, integer division
    [InlineData(3, 2, 60)]
    [InlineData(4, 4, 90)]
    public void Fetching_percent_is_90_times_settled_over_total(int total, int settled, int expected)
    {
        var state = Job(JobStatus.Processing, JobPhase.Fetching, Enumerable.Range(0, total)
            .Select(i => i < settled ? Settled(i) : new FileState { FileId = 70_000 + i, Status = FileStatus.Pending }).ToArray());

        Assert.Equal(expected, JobReadModel.Percent(state, bundledFiles: 0, bundleTotal: 0));
    }

    [Fact]
    public void Every_settled_status_counts_while_fetching_and_in_flight_files_do_not()
    {
        var state = Job(JobStatus.Processing, JobPhase.Fetching,
            Ready(1, 10), Missing(2), Failed(3), File(4, FileStatus.Processing), File(5, FileStatus.Pending), File(6, FileStatus.Pending));

        Assert.Equal(45, JobReadModel.Percent(state, 0, 0)); // 90 × 3 / 6
    }

    [Theory]
    [InlineData(0, 10, 90)]
    [InlineData(3, 10, 92)] // 90 + 9 × 3 / 10 = 92.7, integer division
    [InlineData(5, 9, 95)]
    [InlineData(10, 10, 99)]
    [InlineData(0, 0, 90)] // nothing to bundle: no division by zero
    public void Bundling_percent_is_90_plus_9_times_bundled_over_bundle_total(int done, int total, int expected)
    {
        var state = Job(JobStatus.Processing, JobPhase.Bundling, Ready(1, 10), Missing(2));

        Assert.Equal(expected, JobReadModel.Percent(state, done, total));
    }

    [Fact]
    public void Percent_never_goes_below_the_stored_highest_value()
    {
        var fetching = Job(JobStatus.Processing, JobPhase.Fetching, Ready(1, 10), File(2, FileStatus.Pending), File(3, FileStatus.Pending), File(4, FileStatus.Pending));
        fetching.Percent = 50;
        Assert.Equal(50, JobReadModel.Percent(fetching, 0, 0)); // 22 computed, 50 stored

        var bundling = Job(JobStatus.Processing, JobPhase.Bundling, Ready(1, 10));
        bundling.Percent = 97;
        Assert.Equal(97, JobReadModel.Percent(bundling, 1, 10)); // 90 computed

        var failed = Job(JobStatus.Failed, JobPhase.Finished, Ready(1, 10), File(2, FileStatus.Pending));
        failed.Percent = 45;
        Assert.Equal(45, JobReadModel.Percent(failed, 0, 0));
    }

    [Fact]
    public void Percent_is_100_only_when_completed()
    {
        var allBundled = Job(JobStatus.Processing, JobPhase.Bundling, Ready(1, 10), Ready(2, 20));
        allBundled.Percent = 99;
        Assert.Equal(99, JobReadModel.Percent(allBundled, 2, 2));

        foreach (var status in new[] { JobStatus.Failed, JobStatus.Cancelled })
        {
            var ended = Job(status, JobPhase.Finished, Ready(1, 10), Ready(2, 20));
            ended.Percent = 99;
            Assert.Equal(99, JobReadModel.Percent(ended, 2, 2));
        }

        var completed = Job(JobStatus.Completed, JobPhase.Finished, Ready(1, 10), Missing(2));
        completed.Percent = 95;
        Assert.Equal(100, JobReadModel.Percent(completed, 0, 0));
        Assert.Equal(100, JobReadModel.Percent(Job(JobStatus.Completed, JobPhase.Finished), 0, 0));
    }

    [Fact]
    public void A_job_without_files_keeps_its_stored_percent_until_it_completes()
    {
        var empty = Job(JobStatus.Processing, JobPhase.Bundling);
        empty.Percent = 7;

        Assert.Equal(7, JobReadModel.Percent(empty, 0, 0));
    }

    [Fact]
    public void Percent_never_goes_back_over_a_whole_run()
    {
        var state = Job(JobStatus.Processing, JobPhase.Fetching, Enumerable.Range(0, 7).Select(i => File(i, FileStatus.Pending)).ToArray());
        var seen = new List<int>();
        void Publish(int bundled, int bundleTotal)
        {
            state.Percent = JobReadModel.Percent(state, bundled, bundleTotal);
            seen.Add(state.Percent);
        }

        foreach (var file in state.Files)
        {
            file.Status = file.FileId % 3 == 0 ? FileStatus.Missing : FileStatus.Ready;
            file.Size = 100;
            Publish(0, 0);
        }
        state.Phase = JobPhase.Bundling;
        var ready = state.Count(FileStatus.Ready);
        for (var bundled = 0; bundled <= ready; bundled++)
        {
            Publish(bundled, ready);
        }
        JobTransitions.Finish(state, JobStatus.Completed, null, Now);
        Publish(0, 0);

        Assert.Equal(seen.Order().ToList(), seen);
        Assert.Equal(100, seen[^1]);
        Assert.Single(seen, 100);
    }

    // ---- Progress ----

    [Fact]
    public void Progress_counts_settled_missing_failed_and_the_bytes_of_ready_files()
    {
        var state = Job(JobStatus.Processing, JobPhase.Fetching,
            Ready(1, 100), Ready(2, 250), Ready(3, size: null), Missing(4), Failed(5), File(6, FileStatus.Processing), File(7, FileStatus.Pending));
        state.Percent = 64;
        state.StartedAt = Now.AddSeconds(-10);

        var progress = JobReadModel.Progress(state, Now);

        Assert.Equal(JobStatus.Processing, progress.Status);
        Assert.Equal(JobPhase.Fetching, progress.Phase);
        Assert.Equal(64, progress.Percent);
        Assert.Equal(5, progress.FilesDone);
        Assert.Equal(7, progress.FilesTotal);
        Assert.Equal(1, progress.FilesMissing);
        Assert.Equal(1, progress.FilesFailed);
        Assert.Equal(350, progress.BytesDone);
    }

    [Fact]
    public void Eta_is_the_elapsed_time_scaled_by_what_remains()
    {
        var state = Job(JobStatus.Processing, JobPhase.Fetching, Ready(1, 10), File(2, FileStatus.Pending));
        state.StartedAt = Now.AddSeconds(-30);
        state.Percent = 25;

        Assert.Equal(90, JobReadModel.Progress(state, Now).EtaSeconds); // 30 s × 75 / 25

        state.Percent = 40;
        Assert.Equal(45, JobReadModel.Progress(state, Now).EtaSeconds); // 30 × 60 / 40
    }

    [Fact]
    public void Eta_is_null_for_a_queued_job()
    {
        var queued = Job(JobStatus.Queued, JobPhase.Queued, File(1, FileStatus.Pending));
        queued.Percent = 0;

        Assert.Null(JobReadModel.Progress(queued, Now).EtaSeconds);

        // Admitted but nothing settled yet: no rate to extrapolate from.
        JobTransitions.Admit(queued, Now.AddSeconds(-5), TimeSpan.FromMinutes(10));
        Assert.Null(JobReadModel.Progress(queued, Now).EtaSeconds);
    }

    [Theory]
    [InlineData(JobStatus.Completed, 100)]
    [InlineData(JobStatus.Completed, 60)]
    [InlineData(JobStatus.Failed, 40)]
    [InlineData(JobStatus.Cancelled, 12)]
    public void Eta_is_null_for_a_terminal_job(JobStatus status, int percent)
    {
        var state = Job(status, JobPhase.Finished, Ready(1, 10), File(2, FileStatus.Pending));
        state.StartedAt = Now.AddSeconds(-30);
        state.FinishedAt = Now;
        state.Percent = percent;

        Assert.Null(JobReadModel.Progress(state, Now).EtaSeconds);
    }

    // ---- File ----

    [Fact]
    public void A_ready_file_gets_a_url_signed_for_its_key_and_size_when_links_are_given()
    {
        var signer = new CountingSigner();
        var ready = Ready(70_000, 12_345);
        ready.Attempts = 2;

        var result = JobReadModel.File(ready, signer.Links);

        Assert.Equal(new FileResult { FileId = 70_000, Status = FileStatus.Ready, Size = 12_345, Attempts = 2, Url = "file:70000" }, result);
        Assert.Equal([new SourceFile(70_000, StorageKeys.Source(70_000), 12_345)], signer.Files);
    }

    [Fact]
    public void A_ready_file_signs_its_stored_key_when_it_has_one()
    {
        var signer = new CountingSigner();
        var ready = Ready(70_001, 99);
        ready.Key = "downloads/elsewhere/70001.zip";

        JobReadModel.File(ready, signer.Links);

        Assert.Equal([new SourceFile(70_001, "downloads/elsewhere/70001.zip", 99)], signer.Files);
    }

    [Fact]
    public void A_ready_file_has_no_url_without_links()
    {
        var result = JobReadModel.File(Ready(70_000, 12_345), links: null);

        Assert.Null(result.Url);
        Assert.Equal((70_000, FileStatus.Ready, (long?)12_345), (result.FileId, result.Status, result.Size));
    }

    [Theory]
    [InlineData(FileStatus.Pending)]
    [InlineData(FileStatus.Processing)]
    [InlineData(FileStatus.Missing)]
    [InlineData(FileStatus.Failed)]
    public void A_file_that_is_not_ready_has_no_url_and_signs_nothing(FileStatus status)
    {
        var signer = new CountingSigner();
        var file = File(70_002, status);
        file.Error = status == FileStatus.Failed ? "source unavailable" : null;
        file.Attempts = 3;

        var result = JobReadModel.File(file, signer.Links);

        Assert.Null(result.Url);
        Assert.Equal((status, 3, file.Error), (result.Status, result.Attempts, result.Error));
        Assert.Empty(signer.Files);
        Assert.Empty(signer.Archives);
    }

    // ---- Snapshot ----

    [Fact]
    public void A_snapshot_without_links_signs_nothing()
    {
        var state = CompletedWithArchive();

        var snapshot = JobReadModel.Snapshot(JobId, state, Now, links: null);

        Assert.All(snapshot.Files, f => Assert.Null(f.Url));
        Assert.NotNull(snapshot.Result);
        Assert.Null(snapshot.Result.ArchiveUrl);
        Assert.Empty(snapshot.Result.DownloadUrls);
        Assert.Null(snapshot.Result.ExpiresAt);
        Assert.Equal(2, snapshot.Result.SuccessCount);
    }

    [Fact]
    public void A_snapshot_with_links_signs_each_ready_file_once_and_the_archive_once()
    {
        var signer = new CountingSigner();
        var state = CompletedWithArchive();

        var snapshot = JobReadModel.Snapshot(JobId, state, Now, signer.Links);

        Assert.Equal([70_000, 70_003], signer.Files.Select(f => f.FileId).Order());
        Assert.Equal([(state.ArchiveKey!, $"{JobId}.zip")], signer.Archives);
        Assert.Equal(["file:70000", null, null, "file:70003"], snapshot.Files.Select(f => f.Url));
        var result = snapshot.Result!;
        Assert.Equal($"archive:{state.ArchiveKey}", result.ArchiveUrl);
        Assert.Equal(["file:70000", "file:70003"], result.DownloadUrls);
        Assert.Equal(signer.Links.ExpiresAt, result.ExpiresAt);
        Assert.Equal((2, 1, 1), (result.SuccessCount, result.MissingCount, result.FailedCount));
    }

    [Fact]
    public void A_completed_job_without_an_archive_size_signs_no_archive()
    {
        var signer = new CountingSigner();
        var state = CompletedWithArchive();
        state.ArchiveSize = null; // no ready file: nothing was bundled

        var result = JobReadModel.Snapshot(JobId, state, Now, signer.Links).Result!;

        Assert.Empty(signer.Archives);
        Assert.Null(result.ArchiveUrl);
        Assert.Null(result.ExpiresAt);
        Assert.Equal(2, signer.Files.Count);
        Assert.Equal(2, result.DownloadUrls.Count);
    }

    [Theory]
    [InlineData(JobStatus.Failed)]
    [InlineData(JobStatus.Cancelled)]
    public void A_job_that_did_not_complete_signs_no_archive_even_with_an_archive_size(JobStatus status)
    {
        var signer = new CountingSigner();
        var state = CompletedWithArchive();
        state.Status = status;
        state.Error = status == JobStatus.Failed ? "deadline passed" : null;

        var result = JobReadModel.Snapshot(JobId, state, Now, signer.Links).Result!;

        Assert.Empty(signer.Archives);
        Assert.Null(result.ArchiveUrl);
        Assert.Null(result.ExpiresAt);
    }

    [Fact]
    public void A_running_job_has_no_result_and_its_ready_files_are_signed()
    {
        var signer = new CountingSigner();
        var state = Job(JobStatus.Processing, JobPhase.Fetching, Ready(1, 10), File(2, FileStatus.Processing));
        state.ArchiveSize = 5; // not yet meaningful: the job has not completed
        state.Error = "a previous run's error";

        var snapshot = JobReadModel.Snapshot(JobId, state, Now, signer.Links);

        Assert.Null(snapshot.Result);
        Assert.Null(snapshot.Error);
        Assert.Equal(["file:1", null], snapshot.Files.Select(f => f.Url));
        Assert.Single(signer.Files);
        Assert.Empty(signer.Archives);
    }

    [Fact]
    public void A_snapshot_carries_the_job_identity_progress_times_and_trace()
    {
        var state = CompletedWithArchive();
        state.Status = JobStatus.Failed;
        state.Error = "deadline passed";
        state.Seq = 9;
        state.TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

        var snapshot = JobReadModel.Snapshot(JobId, state, Now, links: null);

        Assert.Equal((JobId, "alice", 9L), (snapshot.JobId, snapshot.Owner, snapshot.Seq));
        Assert.Equal(JobReadModel.Progress(state, Now), snapshot.Progress);
        Assert.Equal((state.CreatedAt, state.UpdatedAt), (snapshot.CreatedAt, snapshot.UpdatedAt));
        Assert.Equal("deadline passed", snapshot.Error);
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", snapshot.TraceId);

        state.TraceParent = "not a traceparent";
        Assert.Null(JobReadModel.Snapshot(JobId, state, Now, links: null).TraceId);
    }

    // ---- Result ----

    [Fact]
    public void A_completed_result_says_how_many_files_are_ready_missing_and_failed()
    {
        var state = CompletedWithArchive();

        var result = JobReadModel.Snapshot(JobId, state, Now, links: null).Result!;

        Assert.Equal("2 of 4 files ready; 1 missing, 1 failed.", result.Message);
    }

    [Fact]
    public void A_cancelled_result_says_it_was_cancelled()
    {
        var state = CompletedWithArchive();
        JobTransitions.Finish(state, JobStatus.Cancelled, null, Now);

        Assert.Equal("The job was cancelled.", JobReadModel.Snapshot(JobId, state, Now, links: null).Result!.Message);
    }

    [Fact]
    public void A_failed_result_carries_the_error()
    {
        var state = CompletedWithArchive();
        JobTransitions.Finish(state, JobStatus.Failed, "Job exceeded JOB_TIMEOUT_MS (600000 ms).", Now);

        var snapshot = JobReadModel.Snapshot(JobId, state, Now, links: null);

        Assert.Equal("Job exceeded JOB_TIMEOUT_MS (600000 ms).", snapshot.Result!.Message);
        Assert.Equal(snapshot.Result.Message, snapshot.Error);
    }

    [Fact]
    public void Result_takes_its_urls_from_the_file_results_without_signing_them_again()
    {
        var signer = new CountingSigner();
        var state = CompletedWithArchive();
        var files = state.Files.Select(f => f.Status == FileStatus.Ready
            ? JobReadModel.File(f, links: null) with { Url = $"given:{f.FileId}" }
            : JobReadModel.File(f, links: null)).ToList();

        var result = JobReadModel.Result(JobId, state, files, signer.Links);

        Assert.Equal(["given:70000", "given:70003"], result.DownloadUrls);
        Assert.Empty(signer.Files);
        Assert.Single(signer.Archives);
    }

    // ---- WithLinks ----

    [Fact]
    public void WithLinks_signs_a_stored_snapshot_as_a_snapshot_with_links_would()
    {
        var state = CompletedWithArchive();
        var stored = JobReadModel.Snapshot(JobId, state, Now, links: null);
        var signer = new CountingSigner();

        var linked = JobReadModel.WithLinks(stored, state.ArchiveKey, signer.Links);

        Assert.Equal([70_000, 70_003], signer.Files.Select(f => f.FileId).Order());
        Assert.Equal([new SourceFile(70_000, StorageKeys.Source(70_000), 1_000), new SourceFile(70_003, StorageKeys.Source(70_003), 3_000)],
            signer.Files.OrderBy(f => f.FileId));
        Assert.Equal([(state.ArchiveKey!, $"{JobId}.zip")], signer.Archives);
        Assert.Equal(["file:70000", null, null, "file:70003"], linked.Files.Select(f => f.Url));
        Assert.Equal($"archive:{state.ArchiveKey}", linked.Result!.ArchiveUrl);
        Assert.Equal(["file:70000", "file:70003"], linked.Result.DownloadUrls);
        Assert.Equal(signer.Links.ExpiresAt, linked.Result.ExpiresAt);
        Assert.Equal(stored.Result!.Message, linked.Result.Message);

        // The same view a snapshot signed on the spot gives.
        var direct = JobReadModel.Snapshot(JobId, state, Now, new CountingSigner().Links);
        Assert.Equal(direct.Files, linked.Files);
        Assert.Equal((direct.Result!.ArchiveUrl, direct.Result.ExpiresAt, direct.Result.Message), (linked.Result.ArchiveUrl, linked.Result.ExpiresAt, linked.Result.Message));
        Assert.Equal(direct.Result.DownloadUrls, linked.Result.DownloadUrls);

        // The stored view itself is untouched.
        Assert.All(stored.Files, f => Assert.Null(f.Url));
        Assert.Null(stored.Result.ArchiveUrl);
    }

    [Fact]
    public void WithLinks_without_an_archive_key_signs_files_only()
    {
        var state = CompletedWithArchive();
        var stored = JobReadModel.Snapshot(JobId, state, Now, links: null);
        var signer = new CountingSigner();

        var linked = JobReadModel.WithLinks(stored, archiveKey: null, signer.Links);

        Assert.Empty(signer.Archives);
        Assert.Null(linked.Result!.ArchiveUrl);
        Assert.Null(linked.Result.ExpiresAt);
        Assert.Equal(["file:70000", "file:70003"], linked.Result.DownloadUrls);
    }

    [Fact]
    public void WithLinks_on_a_running_job_signs_its_ready_files_and_adds_no_result()
    {
        var state = Job(JobStatus.Processing, JobPhase.Fetching, Ready(1, 10), File(2, FileStatus.Processing));
        var stored = JobReadModel.Snapshot(JobId, state, Now, links: null);
        var signer = new CountingSigner();

        var linked = JobReadModel.WithLinks(stored, archiveKey: null, signer.Links);

        Assert.Null(linked.Result);
        Assert.Equal(["file:1", null], linked.Files.Select(f => f.Url));
        Assert.Equal(stored.Progress, linked.Progress);
        Assert.Single(signer.Files);
    }

    // ---- Header ----

    [Fact]
    public void The_header_of_a_state_and_of_its_stored_view_agree()
    {
        var state = Job(JobStatus.Processing, JobPhase.Bundling, Ready(1, 10));
        state.Seq = 12;
        state.Percent = 93;

        var fromState = JobReadModel.Header(JobId, state);
        var fromStored = JobReadModel.Header(JobReadModel.Snapshot(JobId, state, Now, links: null));

        Assert.Equal(new JobHeader { JobId = JobId, Owner = "alice", Seq = 12, Status = JobStatus.Processing, Percent = 93 }, fromState);
        Assert.Equal(fromState, fromStored);
    }

    // ---- Transitions ----

    [Fact]
    public void Admit_runs_the_deadline_from_now_not_from_creation()
    {
        var state = Job(JobStatus.Queued, JobPhase.Queued, File(1, FileStatus.Pending));
        state.CreatedAt = Now.AddHours(-3); // queued a long time behind a backlog
        state.Deadline = state.CreatedAt + TimeSpan.FromMinutes(10);

        JobTransitions.Admit(state, Now, TimeSpan.FromMinutes(10));

        Assert.Equal(JobStatus.Processing, state.Status);
        Assert.Equal(JobPhase.Fetching, state.Phase);
        Assert.Equal(Now, state.StartedAt);
        Assert.Equal(Now + TimeSpan.FromMinutes(10), state.Deadline);
        Assert.Equal(Now.AddHours(-3), state.CreatedAt);
    }

    [Fact]
    public void Finish_returns_files_in_flight_to_pending_and_keeps_settled_ones()
    {
        var state = Job(JobStatus.Processing, JobPhase.Fetching,
            Ready(1, 10), Missing(2), Failed(3), File(4, FileStatus.Processing), File(5, FileStatus.Pending), File(6, FileStatus.Processing));

        JobTransitions.Finish(state, JobStatus.Cancelled, "stopped", Now);

        Assert.Equal((JobStatus.Cancelled, JobPhase.Finished, (DateTimeOffset?)Now, "stopped"), (state.Status, state.Phase, state.FinishedAt, state.Error));
        Assert.Equal([FileStatus.Ready, FileStatus.Missing, FileStatus.Failed, FileStatus.Pending, FileStatus.Pending, FileStatus.Pending],
            state.Files.Select(f => f.Status));
        Assert.Equal(10, state.Files[0].Size);
        Assert.Equal(0, state.Count(FileStatus.Processing));
        Assert.Equal(3, state.Count(FileStatus.Pending));
    }

    // ---- Helpers ----

    private static DownloadJobState Job(JobStatus status, JobPhase phase, params FileState[] files) => new()
    {
        Owner = "alice",
        Status = status,
        Phase = phase,
        Files = [.. files],
        CreatedAt = Now.AddMinutes(-2),
        UpdatedAt = Now.AddMinutes(-1),
        Deadline = Now.AddMinutes(8),
    };

    /// <summary>Completed: two ready files (1 000 and 3 000 bytes), one missing, one failed; an archive.</summary>
    private static DownloadJobState CompletedWithArchive()
    {
        var state = Job(JobStatus.Completed, JobPhase.Finished, Ready(70_000, 1_000), Missing(70_001), Failed(70_002), Ready(70_003, 3_000));
        state.Percent = 100;
        state.StartedAt = Now.AddMinutes(-2);
        state.FinishedAt = Now.AddMinutes(-1);
        state.ArchiveKey = StorageKeys.Export(JobId);
        state.ArchiveSize = 4_321;
        return state;
    }

    private static FileState File(int id, FileStatus status) => new() { FileId = id, Status = status };

    private static FileState Ready(int id, long? size) => new() { FileId = id, Status = FileStatus.Ready, Size = size, Attempts = 1 };

    private static FileState Missing(int id) => new() { FileId = id, Status = FileStatus.Missing, Attempts = 1 };

    private static FileState Failed(int id) => new() { FileId = id, Status = FileStatus.Failed, Attempts = 3, Error = "source unavailable" };

    private static FileState Settled(int i) => i % 2 == 0 ? Ready(70_000 + i, 10) : Missing(70_000 + i);

    /// <summary>Links whose every signature is recorded: "file:{id}" and "archive:{key}".</summary>
    private sealed class CountingSigner
    {
        public CountingSigner()
        {
            Links = new JobLinks(
                file =>
                {
                    Files.Add(file);
                    return $"file:{file.FileId}";
                },
                (key, name) =>
                {
                    Archives.Add((key, name));
                    return $"archive:{key}";
                },
                Now.AddHours(1));
        }

        public List<SourceFile> Files { get; } = [];

        public List<(string Key, string Name)> Archives { get; } = [];

        public JobLinks Links { get; }
    }
}
