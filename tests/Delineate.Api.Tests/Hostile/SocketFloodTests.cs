using System.Net.WebSockets;

namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// A flood of 200 progress sockets that never read (100 WebSockets that never receive, 100 raw
/// upgrades with a 1 KiB receive buffer), all on one busy job: a normal client's events still reach
/// it within 1 s of being published, the gateway's resident memory stays within a fixed bound, and
/// once the job has ended the gateway holds none of them. (Kernel and Kestrel buffers on loopback take
/// far more than one job's events, so the send timeout itself is checked on a stalled transport in
/// <see cref="StuckClientTests"/>.)
/// </summary>
public sealed class SocketFloodTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int FloodWebSockets = 100;
    private const int FloodRawSockets = 100;
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan AllowedDelay = TimeSpan.FromSeconds(1);
    private const long AllowedGrowthBytes = 200L * 1024 * 1024;

    /// <summary>About 600 events in about five seconds: far more than a 1 KiB window and the server's buffers take.</summary>
    private static readonly int[] Job = TestData.AvailableIds(600);

    private GatewayHost? _host;

    private GatewayHost Host => _host!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartEmbeddedAsync(
        "api-socket-flood",
        new Dictionary<string, string?>
        {
            ["DOWNLOAD_DELAY_MIN_MS"] = "20",
            ["DOWNLOAD_DELAY_MAX_MS"] = "40",
            // Above the flood, so that every one of its sockets is accepted and held.
            ["MAX_STREAMS_PER_OWNER"] = "1000",
            ["MAX_STREAMS_PER_ADDRESS"] = "1000",
        });

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_flood_of_200_sockets_that_never_read_leaves_a_reader_on_time_memory_bounded_and_no_connection_held()
    {
        var owner = Host.Client(TestData.NewOwner("flood"));
        var reader = Host.Client(TestData.NewOwner("reader"));
        var rssBefore = Host.ResidentBytes();

        var floodedJob = await owner.StartJobAsync(Job);
        await using var flood = new StalledSubscribers();
        await flood.OpenWebSocketsAsync(owner, floodedJob, FloodWebSockets);
        await flood.OpenRawUpgradesAsync(owner, floodedJob, FloodRawSockets);
        Assert.Equal(FloodWebSockets + FloodRawSockets, flood.Count);

        // The normal client follows a job of its own while the flood's job runs.
        var readerJob = await reader.StartJobAsync(Job);
        await using var socket = await EventSocket.ConnectAsync(reader, readerJob);
        var events = await socket.ReadUntilClosedAsync(JobTimeout);
        var rssAfter = Host.ResidentBytes();
        EventStreamAssert.WellFormed(readerJob, events, socket.Transcript);
        Assert.Equal("completed", events[^1].Type);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);

        var late = events.Where(e => e.Type != "snapshot").Where(e => e.ArrivedAt - e.At > AllowedDelay).ToList();
        var worst = events.Where(e => e.Type != "snapshot").Max(e => e.ArrivedAt - e.At);
        output.WriteLine($"{events.Count} events, worst delay {worst.TotalMilliseconds:F0} ms; RSS {rssBefore / 1048576} MiB before, {rssAfter / 1048576} MiB after");
        Assert.True(late.Count == 0,
            $"{late.Count} of {events.Count} events reached the reader more than {AllowedDelay.TotalSeconds:F0} s after they were published " +
            $"(worst {worst.TotalMilliseconds:F0} ms) with {flood.Count} sockets that never read");
        Assert.True(rssAfter - rssBefore < AllowedGrowthBytes,
            $"the gateway's RSS grew by {(rssAfter - rssBefore) / 1048576} MiB with {flood.Count} sockets that never read (bound {AllowedGrowthBytes / 1048576} MiB)");

        // The flood's job ends too: the gateway holds no progress connection although none of the flood went away.
        await owner.WaitForTerminalAsync(floodedJob, JobTimeout, Host.Tail);
        await ProgressConnectionGauge.WaitUntilNoneOpenAsync(Host, "the gateway to let go of every flood connection");
    }
}
