using System.Net;
using System.Text.Json;

namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// Concurrent progress streams (WebSocket and SSE together) are capped per owner
/// (<c>MAX_STREAMS_PER_OWNER</c>) and per client address (<c>MAX_STREAMS_PER_ADDRESS</c>): past either,
/// the request is a 429 problem with <c>Retry-After</c> before any upgrade, and a stream that ends gives
/// its place back. Each test sends from loopback addresses of its own.
/// </summary>
public sealed class StreamLimitTests(StreamLimitTests.Fixture fixture) : IClassFixture<StreamLimitTests.Fixture>
{
    private const int PerOwner = 3;
    private const int PerAddress = 5;

    /// <summary>Long enough to still be streaming when the test is done (about a minute of files).</summary>
    private static readonly int[] LongJob = TestData.AvailableIds(300);

    private GatewayHost Host => fixture.Host;

    [Fact]
    public async Task An_owner_past_its_stream_cap_gets_429_before_the_upgrade_on_both_transports_and_a_closed_stream_frees_its_place()
    {
        var address = IPAddress.Parse("127.0.0.41");
        var owner = TestData.NewOwner("streams");
        var client = Host.Client(owner, address);
        var jobId = await client.StartJobAsync(LongJob);
        await using var first = await EventSocket.ConnectAsync(client, jobId);
        await using var second = await EventSocket.ConnectAsync(client, jobId);
        await using var third = await SseStream.OpenAsync(client, jobId);

        var refusedSocket = await RawUpgrade.SendAsync(Host.BaseAddress, jobId, owner, address);
        AssertTooManyStreams(refusedSocket);
        using var refusedSse = await client.GetAsync($"/v1/download/events/{jobId}", HttpCompletionOption.ResponseHeadersRead);
        var problem = await ProblemAssert.IsProblemAsync(refusedSse, HttpStatusCode.TooManyRequests, "a fourth stream of one owner");
        Assert.Equal("Too many open streams", problem.GetProperty("title").GetString());
        Assert.Equal("5", Assert.Single(refusedSse.Headers.GetValues("Retry-After")));
        // The same owner from another address is the same owner: still refused.
        AssertTooManyStreams(await RawUpgrade.SendAsync(Host.BaseAddress, jobId, owner, IPAddress.Parse("127.0.0.42")));

        await first.DisposeAsync();
        var accepted = await Poll.UntilAsync(
            "a new stream to be accepted once one of the owner's three has closed",
            TimeSpan.FromSeconds(10),
            async _ =>
            {
                var answer = await RawUpgrade.SendAsync(Host.BaseAddress, jobId, owner, address);
                return answer.Status == 101 ? answer : null;
            },
            Host.Tail);
        Assert.Equal("websocket", accepted.Headers["Upgrade"], ignoreCase: true);
    }

    [Fact]
    public async Task An_address_past_its_stream_cap_gets_429_whatever_owner_it_names_and_other_addresses_are_unaffected()
    {
        var address = IPAddress.Parse("127.0.0.43");
        var streams = new List<IAsyncDisposable>();
        try
        {
            // Five owners (the per-owner cap is never reached) on one address; the cap counts both transports.
            for (var i = 0; i < PerAddress; i++)
            {
                var client = Host.Client(TestData.NewOwner("rotating"), address);
                var jobId = await client.StartJobAsync(LongJob);
                // SSE: the test's WebSocket client cannot choose its source address.
                streams.Add(await SseStream.OpenAsync(client, jobId));
            }

            var sixthOwner = TestData.NewOwner("rotating");
            var sixthJob = await Host.Client(sixthOwner, IPAddress.Parse("127.0.0.45")).StartJobAsync(LongJob);
            AssertTooManyStreams(await RawUpgrade.SendAsync(Host.BaseAddress, sixthJob, sixthOwner, address));
            using var refusedSse = await Host.Client(sixthOwner, address).GetAsync($"/v1/download/events/{sixthJob}", HttpCompletionOption.ResponseHeadersRead);
            await ProblemAssert.IsProblemAsync(refusedSse, HttpStatusCode.TooManyRequests, "a sixth stream from one address");
            Assert.True(refusedSse.Headers.Contains("Retry-After"), "a 429 for the stream cap carries Retry-After");

            // The same owner and job from another address are fine.
            Assert.Equal(101, (await RawUpgrade.SendAsync(Host.BaseAddress, sixthJob, sixthOwner, IPAddress.Parse("127.0.0.46"))).Status);
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    private static void AssertTooManyStreams(RawUpgrade answer)
    {
        Assert.True(answer.Status == 429, $"expected 429 before the upgrade, got {answer}");
        Assert.False(answer.Headers.ContainsKey("Upgrade"), $"a refused handshake must not upgrade: {answer}");
        Assert.Equal("application/problem+json", answer.Headers["Content-Type"].Split(';')[0]);
        Assert.Equal("5", answer.Headers["Retry-After"]);
        using var body = JsonDocument.Parse(answer.Body);
        Assert.Equal(429, body.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("Too many open streams", body.RootElement.GetProperty("title").GetString());
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private GatewayHost? _host;

        public GatewayHost Host => _host ?? throw new InvalidOperationException("Not started.");

        public async Task InitializeAsync() => _host = await GatewayHost.StartEmbeddedAsync(
            "api-stream-limits",
            new Dictionary<string, string?>
            {
                ["MAX_STREAMS_PER_OWNER"] = PerOwner.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["MAX_STREAMS_PER_ADDRESS"] = PerAddress.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["DOWNLOAD_DELAY_MIN_MS"] = "300",
                ["DOWNLOAD_DELAY_MAX_MS"] = "400",
            });

        public async Task DisposeAsync()
        {
            if (_host is not null)
            {
                await _host.DisposeAsync();
            }
        }
    }
}
