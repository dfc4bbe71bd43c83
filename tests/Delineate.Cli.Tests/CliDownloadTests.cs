
namespace Delineate.Cli.Tests;

/// <summary>
/// The real <c>delineate</c> command against a real embedded gateway: what it saves, what it prints
/// and the exit codes it answers with (0 completed, 1 failed or cancelled, 2 usage or connection).
/// </summary>
public sealed class CliDownloadTests(EmbeddedGateway service, ITestOutputHelper output) : IClassFixture<EmbeddedGateway>
{
    [Fact]
    public async Task Download_saves_a_valid_archive_of_exactly_the_available_files_and_exits_0()
    {
        int[] fileIds = [70000, 70007, 10001, 70014, 10002];
        var archive = Path.Combine(service.Directory.Path, $"job-{Guid.NewGuid():N}.zip");
        await using var run = await CliRun.RunAsync(service.Directory, "cli-download",
            ["download", .. fileIds.Select(id => id.ToString()), "--server", service.Server, "--out", archive]);
        output.WriteLine(run.Describe());

        Assert.True(run.ExitCode == 0, run.Describe());
        var entries = ZipContents.Read(File.ReadAllBytes(archive));
        var expected = fileIds.Where(id => SyntheticCatalogue.Exists(id)).Select(id => $"{id}.zip").Order(StringComparer.Ordinal);
        Assert.Equal(expected, entries.Keys.Order(StringComparer.Ordinal));
        Assert.All(entries, entry => Assert.NotEmpty(entry.Value));
        Assert.False(File.Exists(archive + ".partial"), "a .partial file was left behind");

        // Plain lines (stdout is a pipe): every event once, in seq order, ending with the saved archive.
        run.AssertEventsOnceInOrder();
        Assert.Contains(run.Lines(), line => line.StartsWith("seq ", StringComparison.Ordinal) && line.Contains(" completed completed/") && line.Contains(" 100% files 5/5 "));
        Assert.Contains($"saved {archive}: 3 files", run.Output);
        Assert.Contains("missing: 10001, 10002", run.Output);
        Assert.DoesNotContain(run.Output, c => c == '\u001b');
    }

    [Theory]
    [InlineData("sse")]
    [InlineData("polling")]
    public async Task Download_over_the_fallback_transports_saves_the_same_archive(string transport)
    {
        var archive = Path.Combine(service.Directory.Path, $"job-{transport}-{Guid.NewGuid():N}.zip");
        await using var run = await CliRun.RunAsync(service.Directory, $"cli-{transport}",
            ["download", "70021", "70028", "10004", "--server", service.Server, "--out", archive, "--transport", transport]);
        output.WriteLine(run.Describe());

        Assert.True(run.ExitCode == 0, run.Describe());
        Assert.Equal(new[] { "70021.zip", "70028.zip" }, ZipContents.Read(File.ReadAllBytes(archive)).Keys.Order(StringComparer.Ordinal));
        Assert.Contains($"connected over {transport}", run.Output);
        run.AssertEventsOnceInOrder();
    }

    [Fact]
    public async Task A_job_with_only_missing_files_exits_1_with_a_message_and_saves_nothing()
    {
        var archive = Path.Combine(service.Directory.Path, $"missing-{Guid.NewGuid():N}.zip");
        await using var run = await CliRun.RunAsync(service.Directory, "cli-missing",
            ["download", "10001", "10002", "--server", service.Server, "--out", archive]);
        output.WriteLine(run.Describe());

        Assert.True(run.ExitCode == 1, run.Describe());
        Assert.Matches(@"delineate: job [0-9a-f-]{36} failed: None of the requested files is available\.", run.Output);
        run.AssertEventsOnceInOrder();
        Assert.Equal("failed", run.Events()[^1].Type);
        Assert.False(File.Exists(archive), "an archive was written for a failed job");
    }

    [Fact]
    public async Task A_server_on_a_closed_port_exits_2_naming_the_server()
    {
        var closed = $"http://127.0.0.1:{FreePorts.Allocate()}";
        await using var run = await CliRun.RunAsync(service.Directory, "cli-closed-port",
            ["download", "70000", "--server", closed, "--out", Path.Combine(service.Directory.Path, "never.zip")]);
        output.WriteLine(run.Describe());

        Assert.True(run.ExitCode == 2, run.Describe());
        Assert.Contains($"Cannot reach {closed}", run.Output);
        Assert.Contains("--server or DELINEATE_URL", run.Output);
    }

    [Theory]
    [InlineData("download")]
    [InlineData("download", "seventy")]
    [InlineData("status", "not-a-job-id")]
    [InlineData("jobs", "--server", "ftp://example")]
    public async Task Usage_errors_exit_2_with_a_message(params string[] arguments)
    {
        await using var run = await CliRun.RunAsync(service.Directory, "cli-usage", arguments);
        output.WriteLine(run.Describe());

        Assert.True(run.ExitCode == 2, run.Describe());
        Assert.Contains("delineate: ", run.Output);
    }

    [Fact]
    public async Task Status_jobs_and_cancel_act_on_the_callers_jobs()
    {
        var user = $"cli-{Guid.NewGuid():N}";
        var archive = Path.Combine(service.Directory.Path, $"owned-{Guid.NewGuid():N}.zip");
        await using var download = await CliRun.RunAsync(service.Directory, "cli-owned-download",
            ["download", "70035", "--server", service.Server, "--user", user, "--out", archive, "--json"]);
        Assert.True(download.ExitCode == 0, download.Describe());
        var lines = download.Lines().Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        var accepted = lines.First(line => line.GetProperty("type").GetString() == "accepted");
        var jobId = accepted.GetProperty("jobId").GetString()!;
        Assert.Equal("saved", lines[^1].GetProperty("type").GetString());

        await using var status = await CliRun.RunAsync(service.Directory, "cli-status", ["status", jobId, "--server", service.Server, "--user", user, "--json"]);
        Assert.True(status.ExitCode == 0, status.Describe());
        var state = JsonDocument.Parse(status.Lines().Single()).RootElement;
        Assert.Equal("completed", state.GetProperty("status").GetString());
        Assert.Equal(70035, state.GetProperty("files")[0].GetProperty("file_id").GetInt32());

        await using var jobs = await CliRun.RunAsync(service.Directory, "cli-jobs", ["jobs", "--server", service.Server, "--user", user]);
        Assert.True(jobs.ExitCode == 0, jobs.Describe());
        Assert.Matches($@"^{jobId}\s+completed\s+1 file\s", jobs.Lines().Single());

        // Someone else does not see it: 404, a usage error.
        await using var stranger = await CliRun.RunAsync(service.Directory, "cli-stranger", ["status", jobId, "--server", service.Server, "--user", user + "-other"]);
        Assert.True(stranger.ExitCode == 2, stranger.Describe());
        Assert.Contains("the server answered 404 Job not found", stranger.Output);

        // A finished job cannot be cancelled: 409, exit code 1.
        await using var cancel = await CliRun.RunAsync(service.Directory, "cli-cancel", ["cancel", jobId, "--server", service.Server, "--user", user]);
        Assert.True(cancel.ExitCode == 1, cancel.Describe());
        Assert.Contains("the server answered 409 Already finished", cancel.Output);
    }

    [Fact]
    public async Task Cancelling_a_followed_job_makes_the_download_exit_1()
    {
        var user = $"cli-{Guid.NewGuid():N}";
        // 60 files, two at a time, 0.1–0.3 s each: several seconds, long enough to cancel.
        var fileIds = Enumerable.Range(0, 60).Select(i => (70042 + (7 * i)).ToString());
        await using var download = CliRun.Start(service.Directory, "cli-cancelled-download",
            ["download", .. fileIds, "--server", service.Server, "--user", user, "--out", Path.Combine(service.Directory.Path, "cancelled.zip")]);
        var jobId = await Poll.UntilAsync(
            "the download to print its job id",
            TimeSpan.FromSeconds(30),
            _ => Task.FromResult(download.Lines().Select(line => AcceptedPattern.Match(line)).FirstOrDefault(m => m.Success)?.Groups[1].Value),
            download.Describe);

        await using var cancel = await CliRun.RunAsync(service.Directory, "cli-cancel-running", ["cancel", jobId, "--server", service.Server, "--user", user]);
        Assert.True(cancel.ExitCode == 0, cancel.Describe());
        Assert.Contains($"cancelled job {jobId}", cancel.Output);

        await download.WaitForExitAsync(CliRun.DefaultTimeout);
        output.WriteLine(download.Describe());
        Assert.True(download.ExitCode == 1, download.Describe());
        Assert.Contains($"delineate: job {jobId} was cancelled.", download.Output);
    }

    private static readonly System.Text.RegularExpressions.Regex AcceptedPattern = new(@"^job ([0-9a-f-]{36}) accepted");
}
