namespace Delineate.Cli.Tests;

/// <summary>
/// <c>delineate download</c> behind a proxy that refuses WebSocket upgrades (and, in the second case,
/// the event stream too): it falls back to SSE, then to polling, and still saves the archive.
/// </summary>
public sealed class CliFallbackTests(EmbeddedGateway service, ITestOutputHelper output) : IClassFixture<EmbeddedGateway>
{
    [Fact]
    public async Task A_proxy_without_WebSockets_falls_back_to_server_sent_events()
    {
        await using var proxy = await TransportBlockingProxy.StartAsync(service.Gateway.BaseAddress, blockEventStream: false);
        var archive = Path.Combine(service.Directory.Path, $"fallback-sse-{Guid.NewGuid():N}.zip");
        await using var run = await CliRun.RunAsync(service.Directory, "cli-fallback-sse",
            ["download", "70063", "70070", "10005", "--server", proxy.Server, "--out", archive]);
        output.WriteLine(run.Describe());

        Assert.True(run.ExitCode == 0, run.Describe());
        var lines = run.Lines();
        Assert.Contains("falling back to sse: the WebSocket upgrade was answered 400", lines);
        Assert.Contains("connected over sse", lines);
        Assert.DoesNotContain("connected over websocket", lines);
        run.AssertEventsOnceInOrder();
        Assert.Equal(new[] { "70063.zip", "70070.zip" }, ZipContents.Read(File.ReadAllBytes(archive)).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_proxy_without_WebSockets_or_event_streams_falls_back_to_polling()
    {
        await using var proxy = await TransportBlockingProxy.StartAsync(service.Gateway.BaseAddress, blockEventStream: true);
        var archive = Path.Combine(service.Directory.Path, $"fallback-polling-{Guid.NewGuid():N}.zip");
        await using var run = await CliRun.RunAsync(service.Directory, "cli-fallback-polling",
            ["download", "70077", "70084", "--server", proxy.Server, "--out", archive]);
        output.WriteLine(run.Describe());

        Assert.True(run.ExitCode == 0, run.Describe());
        var lines = run.Lines();
        var toSse = lines.ToList().IndexOf("falling back to sse: the WebSocket upgrade was answered 400");
        var toPolling = lines.ToList().FindIndex(line => line.StartsWith("falling back to polling: the events URL answered 404", StringComparison.Ordinal));
        Assert.True(toSse >= 0 && toPolling > toSse, run.Describe());
        Assert.Contains("connected over polling", lines);
        run.AssertEventsOnceInOrder();
        Assert.Equal(new[] { "70077.zip", "70084.zip" }, ZipContents.Read(File.ReadAllBytes(archive)).Keys.Order(StringComparer.Ordinal));
    }
}
