using System.Net.WebSockets;

namespace Delineate.Api.Tests;

/// <summary>
/// Subscribers that never read must not hold up the ones that do, nor make the gateway's memory grow:
/// a reading client's events arrive as soon as without them, and the gateway's RSS stays bounded.
/// </summary>
public sealed class SlowSubscriberTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int StalledWebSockets = 50;
    private const int StalledRawSockets = 50;
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan AllowedDelay = TimeSpan.FromSeconds(1);
    private const long AllowedGrowthBytes = 200L * 1024 * 1024;

    /// <summary>About 600 events in about five seconds.</summary>
    private static readonly int[] Job = TestData.AvailableIds(600);

    private GatewayHost? _host;

    private GatewayHost Host => _host!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartEmbeddedAsync(
        "api-slow-subscribers",
        new Dictionary<string, string?> { ["DOWNLOAD_DELAY_MIN_MS"] = "20", ["DOWNLOAD_DELAY_MAX_MS"] = "40" });

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Subscribers_that_never_read_do_not_delay_a_reading_one_nor_grow_memory()
    {
        var client = Host.Client(TestData.NewOwner("slow"));

        // Control: one reader alone.
        var control = await FollowAsync(client, await client.StartJobAsync(Job));
        output.WriteLine($"control: {control}");

        var rssBefore = Host.ResidentBytes();
        var jobId = await client.StartJobAsync(Job);
        await using var stalled = new StalledSubscribers();
        await stalled.OpenWebSocketsAsync(client, jobId, StalledWebSockets);
        await stalled.OpenRawUpgradesAsync(client, jobId, StalledRawSockets);
        var loaded = await FollowAsync(client, jobId);
        var rssAfter = Host.ResidentBytes();
        output.WriteLine($"with {stalled.Count} stalled subscribers: {loaded}");
        output.WriteLine($"gateway RSS {rssBefore / 1048576} MiB before, {rssAfter / 1048576} MiB after");

        Assert.True(loaded.Events > 100, $"the reading client should have seen hundreds of events: {loaded}");
        Assert.True(
            loaded.MaxDelay <= AllowedDelay + control.MaxDelay,
            $"with {stalled.Count} stalled subscribers an event reached the reader {loaded.MaxDelay.TotalMilliseconds:F0} ms after its 'at' " +
            $"(alone: at most {control.MaxDelay.TotalMilliseconds:F0} ms); allowed {AllowedDelay.TotalMilliseconds:F0} ms more.\n{loaded}\n{Host.Tail()}");
        Assert.True(
            rssAfter - rssBefore < AllowedGrowthBytes,
            $"the gateway's RSS grew by {(rssAfter - rssBefore) / 1048576} MiB with {stalled.Count} stalled subscribers");

        // Once the job has ended the gateway lets go of them all, although they never read and are still connected.
        await ProgressConnectionGauge.WaitUntilNoneOpenAsync(
            Host, "the gateway to close the stalled subscribers' connections after the job ended", transport: "websocket");
    }

    private async Task<Delays> FollowAsync(HttpClient client, string jobId)
    {
        await using var socket = await EventSocket.ConnectAsync(client, jobId);
        var events = await socket.ReadUntilClosedAsync(JobTimeout);
        EventStreamAssert.WellFormed(jobId, events, socket.Transcript);
        Assert.True(events[^1].Type == "completed", socket.Transcript);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        var delays = events.Where(e => e.Type != "snapshot").Select(e => e.ArrivedAt - e.At).Order().ToList();
        return new Delays(delays.Count, delays[delays.Count / 2], delays[(int)(delays.Count * 0.99)], delays[^1]);
    }

    private sealed record Delays(int Events, TimeSpan Median, TimeSpan P99, TimeSpan MaxDelay)
    {
        public override string ToString() =>
            $"{Events} events; delay median {Median.TotalMilliseconds:F0} ms, p99 {P99.TotalMilliseconds:F0} ms, max {MaxDelay.TotalMilliseconds:F0} ms";
    }
}
