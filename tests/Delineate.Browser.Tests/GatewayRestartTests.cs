using System.Diagnostics;
using Delineate.Browser.Tests.Browser;

namespace Delineate.Browser.Tests;

/// <summary>
/// The clustered deployment (real Redis, s3rver for exports, one silo process, one gateway
/// process): the gateway is restarted on the same address while the page follows a job. The page
/// must show the drop, reconnect by itself, resume after the last seq it showed, and reach
/// completed with the bar never going back. The silo, and so the job, keeps running throughout.
/// </summary>
public sealed class GatewayRestartTests(ITestOutputHelper output) : GatewayRestartTest("browser-gateway-restart", "browser-tests-signing-key-32-chr", output)
{
    private const string User = "browser-restart";

    [Fact]
    public async Task Restarting_the_gateway_mid_job_reconnects_and_resumes_without_going_back()
    {
        await using var browser = await ChromiumSession.StartAsync(Directory, "restart");
        var page = await ProgressPage.OpenAsync(await browser.PageAsync(), Cluster.GatewayAddress);
        await page.SetUserAsync(User);

        // 45 files, one at a time, 0.3–0.9 s each: about 27 s, so the job outlives the restart.
        var jobId = await page.StartJobAsync(string.Join(' ', Enumerable.Range(0, 45).Select(i => 70000 + (7 * i))));
        await page.WaitForProgressAsync(jobId, 10, TimeSpan.FromSeconds(30));
        await Assertions.Expect(page.Connection).ToHaveAttributeAsync("data-transport", "websocket");
        var shownBeforeRestart = await page.ShownProgressAsync(jobId);

        var clock = Stopwatch.StartNew();
        var stoppedByItself = await Cluster.StopGatewayAsync(GracefulStop);
        Output.WriteLine($"gateway stopped {(stoppedByItself ? "by itself after SIGTERM" : $"only by SIGKILL, {GracefulStop.TotalSeconds:F0} s after SIGTERM")} in {clock.Elapsed.TotalSeconds:F1} s, at {shownBeforeRestart}%");

        // The page shows the drop.
        await Assertions.Expect(page.Connection).ToHaveAttributeAsync("data-state", "reconnecting", new() { Timeout = 15_000 });
        await Assertions.Expect(page.Connection).ToContainTextAsync("reconnecting");
        await page.ScreenshotAsync("reconnecting");

        await Cluster.StartGatewayAsync("gateway-restarted");
        Output.WriteLine($"gateway back {clock.Elapsed.TotalSeconds:F1} s after the stop began");

        await page.WaitForStatusAsync(jobId, "completed", TimeSpan.FromSeconds(90));
        await Assertions.Expect(page.DownloadButton(jobId)).ToBeVisibleAsync(new() { Timeout = 15_000 });

        var renders = await page.Probe.RendersAsync(jobId);
        var connections = await page.Probe.ConnectionStatesAsync();
        Output.WriteLine($"connection states: {string.Join(", ", connections.Select(c => $"{c.State}/{c.Transport}"))}");
        Output.WriteLine($"renders: {ProgressAssert.Describe(renders)}");

        ProgressAssert.NeverWentBack(renders);
        Assert.Equal(100, renders[^1].Progress);

        // Reconnected over WebSocket again (no fallback: the gateway was down, not the transport).
        var drop = connections.First(c => c.State == "reconnecting");
        Assert.Contains(connections, c => c.At > drop.At && c.State == "live" && c.Transport == "websocket");

        // Resumed after the last seq shown: no seq repeated, none skipped across the restart.
        var seqs = renders.Select(r => r.Seq).Where(s => s >= 0).Distinct().ToList();
        var gaps = seqs.Zip(seqs.Skip(1)).Where(pair => pair.Second != pair.First + 1).ToList();
        Assert.True(gaps.Count == 0, $"the page skipped events: {string.Join(", ", gaps.Select(g => $"{g.First}→{g.Second}"))}; renders: {ProgressAssert.Describe(renders)}");
        var lastBefore = renders.Last(r => r.At < drop.At);
        var firstAfter = renders.First(r => r.At > drop.At && r.Seq > lastBefore.Seq);
        Assert.Equal(lastBefore.Seq + 1, firstAfter.Seq);
        Assert.True(firstAfter.Progress >= lastBefore.Progress);
        var reconnected = connections.First(c => c.At > drop.At && c.State == "live");
        var liveAfter = renders.Count(r => r.At > reconnected.At && r.Status == "processing");
        Output.WriteLine(
            $"before the drop the page showed seq {lastBefore.Seq} ({lastBefore.Progress}%); after reconnecting it resumed at seq {firstAfter.Seq} " +
            $"({firstAfter.Progress}%), then {liveAfter} live progress renders while the job still ran");
    }
}
