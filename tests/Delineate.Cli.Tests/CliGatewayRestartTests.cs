using System.Diagnostics;

namespace Delineate.Cli.Tests;

/// <summary>
/// The clustered deployment (real Redis, s3rver for exports, one silo process, one gateway process):
/// the gateway is restarted on the same address while <c>delineate download</c> follows a job over
/// WebSocket (or SSE). The command must notice the drop, reconnect by itself, resume after the last seq it
/// printed (no event twice), and still save the whole archive. The silo, and so the job, keeps running.
/// </summary>
public sealed class CliGatewayRestartTests(ITestOutputHelper output) : GatewayRestartTest("cli-gateway-restart", "cli-tests-signing-key-at-32-chars", output)
{
    [Theory]
    [InlineData("websocket")]
    [InlineData("sse")]
    public async Task Restarting_the_gateway_mid_job_resumes_without_repeats_and_still_saves_the_archive(string transport)
    {
        // 40 files, one at a time, 0.3–0.9 s each: about 24 s, so the job outlives the restart.
        var fileIds = Enumerable.Range(0, 40).Select(i => 70000 + (7 * i)).ToList();
        var archive = Path.Combine(Directory.Path, "restart.zip");
        await using var run = CliRun.Start(Directory, "cli-restart",
            ["download", .. fileIds.Select(id => id.ToString()), "--server", Cluster.GatewayAddress.ToString().TrimEnd('/'), "--out", archive, "--transport", transport]);

        await Poll.UntilAsync("the command to print progress of 5 files", TimeSpan.FromSeconds(60),
            _ => Task.FromResult(run.FilesDone() >= 5 || run.Process.HasExited), run.Describe);
        Assert.False(run.Process.HasExited, run.Describe());
        var doneBeforeRestart = run.FilesDone();

        var clock = Stopwatch.StartNew();
        var stoppedByItself = await Cluster.StopGatewayAsync(GracefulStop);
        Output.WriteLine($"gateway stopped {(stoppedByItself ? "by itself" : "by SIGKILL")} in {clock.Elapsed.TotalSeconds:F1} s at {doneBeforeRestart} files");
        await Poll.UntilAsync("the command to report the lost connection", TimeSpan.FromSeconds(30),
            _ => Task.FromResult(run.Lines().Any(line => line.StartsWith("connection lost", StringComparison.Ordinal))), run.Describe);
        await Cluster.StartGatewayAsync("gateway-restarted");
        Output.WriteLine($"gateway back {clock.Elapsed.TotalSeconds:F1} s after the stop began");

        await run.WaitForExitAsync(TimeSpan.FromSeconds(120));
        Output.WriteLine(run.Describe());
        Assert.True(run.ExitCode == 0, run.Describe());

        var entries = ZipContents.Read(File.ReadAllBytes(archive));
        Assert.Equal(fileIds.Select(id => $"{id}.zip").Order(StringComparer.Ordinal), entries.Keys.Order(StringComparer.Ordinal));

        var lines = run.Lines();
        var lost = lines.ToList().FindIndex(line => line.StartsWith($"connection lost ({transport})", StringComparison.Ordinal));
        Assert.True(lost > 0, $"no lost {transport} connection reported:\n{run.Output}");
        Assert.Matches(@"resuming after seq \d+$", lines[lost]);
        Assert.Contains(lines.Skip(lost), line => line == $"connected over {transport}");
        // Events kept coming after the reconnect, and none came twice.
        Assert.Contains(lines.Skip(lost), line => line.StartsWith("seq ", StringComparison.Ordinal) && line.Contains(" progress processing/"));
        run.AssertEventsOnceInOrder();
        Assert.Contains($"saved {archive}: {fileIds.Count} files", run.Output);
    }
}
