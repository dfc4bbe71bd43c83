using System.Net.Sockets;
using Delineate.Grains.Storage;

namespace Delineate.Grains.Tests.Jobs;

/// <summary>Per-file retries against a file source that fails on purpose.</summary>
[Collection(LongLivedJobClusterCollection.Name)]
public sealed class FileRetryTests(LongLivedJobCluster cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public static TheoryData<string> TransientErrors => ["storage", "http", "timeout", "socket", "io"];

    [Theory]
    [MemberData(nameof(TransientErrors))]
    public async Task A_file_failing_twice_then_succeeding_ends_ready_after_three_attempts(string kind)
    {
        var fileId = 71_001 + 7 * Array.IndexOf(["storage", "http", "timeout", "socket", "io"], kind);
        cluster.Source.FailTransiently(fileId, times: 2, () => Transient(kind));

        var status = await RunToEnd([fileId]);

        Assert.Equal(JobStatus.Completed, status.Progress.Status);
        var file = Assert.Single(status.Files);
        Assert.Equal((FileStatus.Ready, 3, (string?)null), (file.Status, file.Attempts, file.Error));
        Assert.Equal(SyntheticCatalogue.SizeOf(fileId), file.Size);
        Assert.Equal(3, cluster.Source.LookupsOf(fileId));
        Assert.Equal(1, status.Result!.SuccessCount);
    }

    [Fact]
    public async Task A_file_failing_always_ends_failed_after_max_attempts_while_the_job_completes()
    {
        const int failing = 71_036, fine = 71_043;
        cluster.Source.FailAlways(failing, () => new TransientStorageException("injected: always down"));

        var status = await RunToEnd([failing, fine]);

        Assert.Equal(JobStatus.Completed, status.Progress.Status);
        var file = status.Files.Single(f => f.FileId == failing);
        Assert.Equal(FileStatus.Failed, file.Status);
        Assert.Equal(cluster.Options.MaxAttempts, file.Attempts);
        Assert.Equal(3, file.Attempts);
        Assert.False(string.IsNullOrWhiteSpace(file.Error));
        Assert.DoesNotContain("injected", file.Error);
        Assert.Null(file.Url);
        Assert.Equal(cluster.Options.MaxAttempts, cluster.Source.LookupsOf(failing));
        Assert.Equal((1, 0, 1), (status.Result!.SuccessCount, status.Result.MissingCount, status.Result.FailedCount));
        Assert.Equal(1, status.Progress.FilesFailed);
        Assert.NotNull(status.Result.ArchiveUrl);
    }

    [Fact]
    public async Task A_job_whose_only_file_always_fails_ends_failed()
    {
        const int failing = 71_050;
        cluster.Source.FailAlways(failing, () => new HttpRequestException("injected: 503"));

        var status = await RunToEnd([failing]);

        Assert.Equal(JobStatus.Failed, status.Progress.Status);
        Assert.False(string.IsNullOrWhiteSpace(status.Error));
        var file = Assert.Single(status.Files);
        Assert.Equal((FileStatus.Failed, 3), (file.Status, file.Attempts));
    }

    [Fact]
    public async Task A_non_transient_error_fails_the_file_after_one_attempt()
    {
        const int broken = 71_057, fine = 71_064;
        cluster.Source.FailAlways(broken, () => new InvalidOperationException("injected: secret internal detail"));

        var status = await RunToEnd([broken, fine]);

        Assert.Equal(JobStatus.Completed, status.Progress.Status);
        var file = status.Files.Single(f => f.FileId == broken);
        Assert.Equal((FileStatus.Failed, 1), (file.Status, file.Attempts));
        Assert.False(string.IsNullOrWhiteSpace(file.Error));
        Assert.DoesNotContain("secret", file.Error);
        Assert.Equal(1, cluster.Source.LookupsOf(broken));
        Assert.Equal(FileStatus.Ready, status.Files.Single(f => f.FileId == fine).Status);
    }

    private async Task<JobSnapshot> RunToEnd(IReadOnlyList<int> fileIds)
    {
        var job = cluster.Job(Guid.CreateVersion7());
        await cluster.InitiateAsync(job, new InitiateJobRequest { FileIds = fileIds, Owner = "alice" });
        return await Eventually.Until(async () => (await job.GetStatus())!, s => s.Progress.Status.IsTerminal(), Timeout, "the job finishes");
    }

    private static Exception Transient(string kind) => kind switch
    {
        "storage" => new TransientStorageException("injected"),
        "http" => new HttpRequestException("injected"),
        "timeout" => new TimeoutException("injected"),
        "socket" => new SocketException((int)SocketError.ConnectionRefused),
        "io" => new IOException("injected"),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
