using System.Net;

namespace Delineate.Api.Tests;

/// <summary>
/// <c>Auth:Mode</c> apikey: keys map to owners, no or a bad key is 401, and a job is visible only to
/// its owner (another owner gets 404, never 403). The same gateway allows one CORS origin only.
/// </summary>
public sealed class ApiKeyOwnershipTests(ApiKeyOwnershipTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<ApiKeyOwnershipTests.Fixture>
{
    private const string AllowedOrigin = "http://allowed.example";
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    private GatewayHost Host => fixture.Host;

    /// <summary>Keys of the minimum length and more (24 characters).</summary>
    private const string AliceKey = "alice-key-0123456789abcdef";
    private const string BobKey = "bob-key-0123456789abcdefgh";

    private HttpClient Alice => WithKey(AliceKey);

    private HttpClient Bob => WithKey(BobKey);

    [Fact]
    public async Task Another_owner_gets_404_for_every_job_endpoint_and_cannot_touch_the_job()
    {
        var alice = Alice;
        var bob = Bob;
        var running = await alice.StartJobAsync(TestData.AvailableIds(120));
        var finished = await alice.StartJobAsync([70000]);
        await alice.WaitForTerminalAsync(finished, JobTimeout, Host.Tail);

        foreach (var jobId in new[] { running, finished })
        {
            foreach (var (method, path) in new[]
            {
                (HttpMethod.Get, $"/v1/download/status/{jobId}"),
                (HttpMethod.Get, $"/v1/download/events/{jobId}"),
                (HttpMethod.Get, $"/v1/download/{jobId}"),
                (HttpMethod.Delete, $"/v1/download/{jobId}"),
                (HttpMethod.Get, $"/v1/download/subscribe/{jobId}"),
            })
            {
                using var response = await bob.SendAsync(new HttpRequestMessage(method, path));
                await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, $"bob: {method} {path}");
            }

            var handshake = await EventSocket.HandshakeStatusAsync(Host.BaseAddress, jobId, EventSocket.HeadersOf(bob));
            Assert.True(handshake == HttpStatusCode.NotFound, $"bob's WebSocket to alice's job {jobId} answered {(int)handshake}, expected 404");
        }

        // Bob cannot pass as alice by the header the none mode uses.
        using (var posing = new HttpRequestMessage(HttpMethod.Get, $"/v1/download/status/{running}"))
        {
            posing.Headers.Add("X-User-Id", "alice");
            using var response = await bob.SendAsync(posing);
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "bob with X-User-Id: alice");
        }

        // Bob's cancel did nothing; alice still sees and follows her job.
        var status = await alice.StatusAsync(running);
        Assert.NotEqual("cancelled", status.String("status"));
        await using var socket = await EventSocket.ConnectAsync(alice, running);
        var first = await socket.ReceiveAsync(TimeSpan.FromSeconds(15));
        Assert.Equal("snapshot", first?.Type);
        using var redirect = await alice.GetAsync($"/v1/download/{finished}");
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        using var cancel = await alice.DeleteAsync($"/v1/download/{running}");
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
    }

    [Fact]
    public async Task The_job_list_shows_only_the_callers_jobs()
    {
        var alice = Alice;
        var bob = Bob;
        var alices = new[] { await alice.StartJobAsync([70000]), await alice.StartJobAsync([70007]) };
        var bobs = await bob.StartJobAsync([70014]);

        var aliceSees = await ListAsync(alice);
        var bobSees = await ListAsync(bob);
        output.WriteLine($"alice: {string.Join(", ", aliceSees)}; bob: {string.Join(", ", bobSees)}");
        Assert.Subset(aliceSees.ToHashSet(), alices.ToHashSet());
        Assert.DoesNotContain(bobs, aliceSees);
        Assert.Contains(bobs, bobSees);
        Assert.Empty(bobSees.Intersect(alices));
    }

    [Fact]
    public async Task The_same_idempotency_key_of_two_owners_makes_two_jobs()
    {
        var key = Guid.NewGuid().ToString();
        var alices = await Alice.InitiateAsync([70000], key);
        var bobs = await Bob.InitiateAsync([70000], key);
        Assert.NotEqual(alices.String("jobId"), bobs.String("jobId"));
    }

    public static TheoryData<string, string> ApiEndpoints() => new()
    {
        { "POST", "/v1/download/initiate" },
        { "GET", $"/v1/download/status/{Guid.CreateVersion7()}" },
        { "GET", $"/v1/download/subscribe/{Guid.CreateVersion7()}" },
        { "GET", $"/v1/download/events/{Guid.CreateVersion7()}" },
        { "GET", $"/v1/download/{Guid.CreateVersion7()}" },
        { "DELETE", $"/v1/download/{Guid.CreateVersion7()}" },
        { "GET", "/v1/download/jobs" },
        { "POST", "/v1/download/check" },
        { "POST", "/v1/download/start" },
    };

    [Theory]
    [MemberData(nameof(ApiEndpoints))]
    public async Task No_key_or_a_bad_key_is_401(string method, string path)
    {
        foreach (var (why, client) in new[]
        {
            ("no key", Host.Client()),
            ("unknown key", WithKey("carol-key-0123456789abcdef")),
            ("key of another case", WithKey(AliceKey.ToUpperInvariant())),
            ("owner name as key", WithKey("alice")),
            ("empty key", WithKey("")),
        })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method == "POST")
            {
                request.Content = new StringContent("""{"file_ids":[70000],"file_id":70000}""", System.Text.Encoding.UTF8, "application/json");
            }

            using var response = await client.SendAsync(request);
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, why);
        }
    }

    [Fact]
    public async Task Health_answers_without_a_key()
    {
        using var response = await Host.Client().GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Only_the_configured_cors_origin_is_allowed()
    {
        var client = Alice;
        foreach (var (origin, allowed) in new[] { (AllowedOrigin, true), ("http://evil.example", false) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/download/jobs");
            request.Headers.Add("Origin", origin);
            using var response = await client.SendAsync(request);
            var header = response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? values.Single() : null;
            Assert.True(allowed ? header == origin : header is null, $"Origin {origin}: Access-Control-Allow-Origin was '{header}'");

            using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/download/initiate");
            preflight.Headers.Add("Origin", origin);
            preflight.Headers.Add("Access-Control-Request-Method", "POST");
            preflight.Headers.Add("Access-Control-Request-Headers", "content-type,x-api-key");
            using var answer = await Host.Client().SendAsync(preflight);
            var preflightHeader = answer.Headers.TryGetValues("Access-Control-Allow-Origin", out var preflightValues) ? preflightValues.Single() : null;
            Assert.True(allowed ? preflightHeader == origin : preflightHeader is null, $"preflight from {origin}: Access-Control-Allow-Origin was '{preflightHeader}' ({(int)answer.StatusCode})");
        }
    }

    private HttpClient WithKey(string key)
    {
        var client = Host.Client();
        client.DefaultRequestHeaders.TryAddWithoutValidation("X-API-Key", key);
        return client;
    }

    private static async Task<string[]> ListAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/v1/download/jobs?limit=100");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonElementExtensions.ParseJson(text).Array("jobs").Select(j => j.String("jobId")).ToArray();
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private GatewayHost? _host;

        public GatewayHost Host => _host!;

        public async Task InitializeAsync() => _host = await GatewayHost.StartEmbeddedAsync("api-apikey", new Dictionary<string, string?>
        {
            ["Auth__Mode"] = "apikey",
            ["Auth__ApiKeys"] = $"{AliceKey}=alice;{BobKey}=bob",
            ["CORS_ORIGINS"] = AllowedOrigin,
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
