using Delineate.Client;

namespace Delineate.Cli.Tests;

/// <summary>
/// <c>delineate retry</c> and <c>delineate purge</c> against a real embedded gateway whose source is S3 behind
/// a fault proxy: a job with a failed file runs again and completes, a purged job is gone (404), and
/// another caller's job is not found (exit code 2), whatever the command.
/// </summary>
public sealed class CliOperatorCommandsTests(OperatorGateway service, ITestOutputHelper output) : IClassFixture<OperatorGateway>
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Retry_runs_a_job_with_a_failed_file_again_until_it_completes_and_exits_0()
    {
        using var client = TypedClientExtensions.ClientFor(service.Gateway.BaseAddress, apiKey: OperatorGateway.AliceKey);
        var (jobId, first) = await FinishWithAFailedFileAsync(client, 70007, [70000, 70007, 70014, 70001]);
        Assert.Equal(JobStatus.Completed, first.Status);
        Assert.Equal((2, 1, 1), (first.Result!.SuccessCount, first.Result.MissingCount, first.Result.FailedCount));

        await using var retry = await Cli("cli-retry", "retry", jobId, OperatorGateway.AliceKey);
        Assert.True(retry.ExitCode == 0, retry.Describe());
        Assert.Matches($@"^job {jobId} runs again: (queued|processing), 3/4 files settled$", retry.Lines().Single());

        var final = await client.WaitForTerminalAsync(jobId, JobTimeout);
        output.WriteLine($"after the retry: {final.Status} {final.Result?.SuccessCount} ready, {final.Result?.FailedCount} failed");
        Assert.Equal(JobStatus.Completed, final.Status);
        Assert.Equal((3, 1, 0), (final.Result!.SuccessCount, final.Result.MissingCount, final.Result.FailedCount));
        Assert.Equal(FileStatus.Ready, final.Files.Single(f => f.FileId == 70007).Status);
        Assert.True(final.Seq > first.Seq, $"the retried job's seq {final.Seq} should follow the first run's {first.Seq}");

        // `status` agrees; with nothing failed left, a second retry is refused as not fitting the job (409, exit code 1).
        await using var status = await Cli("cli-retry-status", "status", jobId, OperatorGateway.AliceKey);
        Assert.True(status.ExitCode == 0, status.Describe());
        Assert.Contains("status   completed", status.Output);
        Assert.Contains("result   3 ready, 1 missing, 0 failed", status.Output);

        await using var again = await Cli("cli-retry-again", "retry", jobId, OperatorGateway.AliceKey);
        Assert.True(again.ExitCode == 1, again.Describe());
        Assert.Contains("the server answered 409 Nothing to retry", again.Output);
    }

    [Fact]
    public async Task Retry_in_json_mode_prints_the_requeued_state()
    {
        using var client = TypedClientExtensions.ClientFor(service.Gateway.BaseAddress, apiKey: OperatorGateway.AliceKey);
        var (jobId, first) = await FinishWithAFailedFileAsync(client, 70021, [70021, 70028]);
        Assert.Equal(1, first.Result!.FailedCount);

        await using var retry = await Cli("cli-retry-json", "retry", jobId, OperatorGateway.AliceKey, "--json");
        Assert.True(retry.ExitCode == 0, retry.Describe());
        var state = JsonDocument.Parse(retry.Lines().Single()).RootElement;
        Assert.Equal(jobId.ToString(), state.GetProperty("jobId").GetString());
        Assert.Contains(state.GetProperty("status").GetString(), new[] { "queued", "processing" });

        Assert.Equal(JobStatus.Completed, (await client.WaitForTerminalAsync(jobId, JobTimeout)).Status);
    }

    [Fact]
    public async Task Purge_deletes_a_finished_job_so_that_status_then_answers_404()
    {
        using var client = TypedClientExtensions.ClientFor(service.Gateway.BaseAddress, apiKey: OperatorGateway.AliceKey);
        var job = await client.InitiateAsync([70035, 70042]);
        Assert.Equal(JobStatus.Completed, (await client.WaitForTerminalAsync(job.JobId, JobTimeout)).Status);

        await using var purge = await Cli("cli-purge", "purge", job.JobId, OperatorGateway.AliceKey);
        Assert.True(purge.ExitCode == 0, purge.Describe());
        Assert.Equal($"purged job {job.JobId}", purge.Lines().Single());

        await using var status = await Cli("cli-purged-status", "status", job.JobId, OperatorGateway.AliceKey);
        Assert.True(status.ExitCode == 2, status.Describe());
        Assert.Contains("the server answered 404 Job not found", status.Output);
        var gone = await Assert.ThrowsAsync<DelineateProblemException>(() => client.GetStatusAsync(job.JobId));
        Assert.Equal(404, gone.Status);
        Assert.DoesNotContain(job.JobId, (await client.ListAsync()).Jobs.Select(j => j.JobId));

        // Purged twice: the job is not there any more.
        await using var again = await Cli("cli-purge-again", "purge", job.JobId, OperatorGateway.AliceKey);
        Assert.True(again.ExitCode == 2, again.Describe());
        Assert.Contains("the server answered 404 Job not found", again.Output);
    }

    [Theory]
    [InlineData("retry")]
    [InlineData("purge")]
    public async Task Retry_and_purge_of_another_callers_job_exit_2_as_not_found_and_leave_it_alone(string command)
    {
        using var alice = TypedClientExtensions.ClientFor(service.Gateway.BaseAddress, apiKey: OperatorGateway.AliceKey);
        var (jobId, first) = await FinishWithAFailedFileAsync(alice, 70049, [70049, 70056]);
        Assert.Equal(1, first.Result!.FailedCount);

        await using var stranger = await Cli($"cli-{command}-stranger", command, jobId, OperatorGateway.BobKey);
        Assert.True(stranger.ExitCode == 2, stranger.Describe());
        Assert.Contains("delineate: the server answered 404 Job not found", stranger.Output);

        var after = await alice.GetStatusAsync(jobId);
        Assert.Equal((first.Status, first.Seq, 1), (after.Status, after.Seq, after.Result!.FailedCount));
    }

    private Task<CliRun> Cli(string name, string command, Guid jobId, string apiKey, params string[] extra) =>
        CliRun.RunAsync(service.Directory, name, [command, jobId.ToString(), "--server", service.Server, "--api-key", apiKey, .. extra]);

    /// <summary>Runs a job while the source refuses <paramref name="failing"/> (a 403 is not retried), then lifts the fault.</summary>
    private async Task<(Guid JobId, JobState Final)> FinishWithAFailedFileAsync(DelineateClient client, int failing, int[] fileIds)
    {
        var fault = service.Proxy.Fail($"source refuses {failing}", SeededS3Source.IsSourceFile(failing), int.MaxValue, 403);
        try
        {
            var job = await client.InitiateAsync(fileIds);
            var final = await client.WaitForTerminalAsync(job.JobId, JobTimeout);
            Assert.Equal(FileStatus.Failed, final.Files.Single(f => f.FileId == failing).Status);
            return (job.JobId, final);
        }
        finally
        {
            fault.Cancel();
        }
    }
}
