using System.Net;

namespace Delineate.Api.Tests;

/// <summary>
/// Rate limits per client address (<c>RATE_LIMIT_MAX_REQUESTS</c> per <c>RATE_LIMIT_WINDOW_MS</c>) and the
/// cap on unfinished jobs per owner: 429 problems with <c>Retry-After</c>. Each test sends from a loopback
/// address of its own, which is a rate-limit partition of its own.
/// </summary>
public sealed class RateLimitTests(RateLimitTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<RateLimitTests.Fixture>
{
    private const int Limit = 5;

    [Fact]
    public async Task Past_the_limit_requests_are_429_problems_with_retry_after_and_other_clients_are_unaffected()
    {
        var client = fixture.LongWindow.Client(TestData.NewOwner("limited"), IPAddress.Parse("127.0.0.21"));
        var remaining = new List<int>();
        for (var i = 0; i < Limit; i++)
        {
            using var response = await client.GetAsync("/v1/download/jobs");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Limit.ToString(System.Globalization.CultureInfo.InvariantCulture), Header(response, "RateLimit-Limit"));
            remaining.Add(int.Parse(Header(response, "RateLimit-Remaining")!, System.Globalization.CultureInfo.InvariantCulture));
        }

        output.WriteLine($"RateLimit-Remaining: {string.Join(", ", remaining)}");
        Assert.Equal([4, 3, 2, 1, 0], remaining);

        foreach (var (method, path) in new[] { ("GET", "/v1/download/jobs"), ("POST", "/v1/download/initiate"), ("GET", "/"), ("GET", "/nope") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (method == "POST")
            {
                request.Content = new StringContent(TestData.InitiateBody([70000]), System.Text.Encoding.UTF8, "application/json");
            }

            using var rejected = await client.SendAsync(request);
            var problem = await ProblemAssert.IsProblemAsync(rejected, HttpStatusCode.TooManyRequests, $"{method} {path} past the limit");
            output.WriteLine(problem.GetRawText());
            var retryAfter = rejected.Headers.RetryAfter;
            Assert.True(retryAfter?.Delta is { } delta && delta > TimeSpan.Zero && delta <= TimeSpan.FromSeconds(60), $"Retry-After should be 1..60 seconds, was '{retryAfter}'");
            Assert.Equal(Limit.ToString(System.Globalization.CultureInfo.InvariantCulture), Header(rejected, "RateLimit-Limit"));
            Assert.Equal("0", Header(rejected, "RateLimit-Remaining"));
            Assert.True(int.TryParse(Header(rejected, "RateLimit-Reset"), out var reset) && reset is > 0 and <= 60, $"RateLimit-Reset '{Header(rejected, "RateLimit-Reset")}'");
            Assert.Equal("nosniff", Header(rejected, "X-Content-Type-Options"));
            Assert.True(Guid.TryParse(Header(rejected, "X-Request-ID"), out _));
        }

        // A browser must be able to read the 429: it carries the CORS headers too.
        using (var fromBrowser = new HttpRequestMessage(HttpMethod.Get, "/v1/download/jobs"))
        {
            fromBrowser.Headers.Add("Origin", "http://example.com");
            using var rejected = await client.SendAsync(fromBrowser);
            Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
            Assert.True(Header(rejected, "Access-Control-Allow-Origin") is "*" or "http://example.com", $"the 429 lacks Access-Control-Allow-Origin: {rejected.Headers}");
        }

        var other = fixture.LongWindow.Client(TestData.NewOwner("other"), IPAddress.Parse("127.0.0.22"));
        using var unaffected = await other.GetAsync("/v1/download/jobs");
        Assert.Equal(HttpStatusCode.OK, unaffected.StatusCode);
    }

    [Fact]
    public async Task After_retry_after_has_passed_requests_are_served_again()
    {
        var client = fixture.ShortWindow.Client(TestData.NewOwner("window"), IPAddress.Parse("127.0.0.24"));
        HttpResponseMessage? rejected = null;
        await Poll.UntilAsync(
            "the short window's limit to be reached",
            TimeSpan.FromSeconds(20),
            async ct =>
            {
                var response = await client.GetAsync("/v1/download/jobs", ct);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    rejected = response;
                    return true;
                }

                response.Dispose();
                return false;
            },
            interval: TimeSpan.FromMilliseconds(1));
        using (rejected)
        {
            var retryAfter = rejected!.Headers.RetryAfter?.Delta ?? throw new Xunit.Sdk.XunitException("no Retry-After on the 429");
            output.WriteLine($"Retry-After: {retryAfter.TotalSeconds} s");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await Poll.UntilAsync(
                "a request to be served again",
                retryAfter + TimeSpan.FromSeconds(5),
                async ct =>
                {
                    using var response = await client.GetAsync("/v1/download/jobs", ct);
                    return response.StatusCode == HttpStatusCode.OK;
                },
                interval: TimeSpan.FromMilliseconds(100));
            Assert.True(
                clock.Elapsed <= retryAfter + TimeSpan.FromSeconds(1.5),
                $"served again only {clock.Elapsed.TotalSeconds:F1} s after a Retry-After of {retryAfter.TotalSeconds} s");
        }
    }

    [Fact]
    public async Task Too_many_unfinished_jobs_of_one_owner_is_a_429_problem_with_retry_after()
    {
        var client = fixture.LongWindow.Client(TestData.NewOwner("capped"), IPAddress.Parse("127.0.0.23"));
        var first = await client.StartJobAsync(TestData.AvailableIds(200));
        await client.StartJobAsync(TestData.AvailableIds(200, 80000));
        using (var third = await client.PostJsonAsync("/v1/download/initiate", TestData.InitiateBody([70000])))
        {
            var problem = await ProblemAssert.IsProblemAsync(third, HttpStatusCode.TooManyRequests, "a third unfinished job with MAX_ACTIVE_JOBS_PER_OWNER=2");
            output.WriteLine(problem.GetRawText());
            Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"the 429 for too many unfinished jobs has no Retry-After (headers: {third.Headers})");
        }

        using (var cancel = await client.DeleteAsync($"/v1/download/{first}"))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        using var fourth = await client.PostJsonAsync("/v1/download/initiate", TestData.InitiateBody([70000]));
        Assert.True(fourth.StatusCode == HttpStatusCode.Accepted, $"after a cancel, initiate answered {(int)fourth.StatusCode}: {await fourth.Content.ReadAsStringAsync()}");
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    /// <summary>Two gateways: 5 requests a minute (with at most 2 unfinished jobs an owner), and 5 requests in 2 seconds.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private GatewayHost? _longWindow;
        private GatewayHost? _shortWindow;

        public GatewayHost LongWindow => _longWindow!;

        public GatewayHost ShortWindow => _shortWindow!;

        public async Task InitializeAsync()
        {
            var longWindow = GatewayHost.StartEmbeddedAsync("api-rate-limit", new Dictionary<string, string?>
            {
                ["RATE_LIMIT_MAX_REQUESTS"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["RATE_LIMIT_WINDOW_MS"] = "60000",
                ["MAX_ACTIVE_JOBS_PER_OWNER"] = "2",
            });
            var shortWindow = GatewayHost.StartEmbeddedAsync("api-rate-window", new Dictionary<string, string?>
            {
                ["RATE_LIMIT_MAX_REQUESTS"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["RATE_LIMIT_WINDOW_MS"] = "2000",
            });
            _longWindow = await longWindow;
            _shortWindow = await shortWindow;
        }

        public async Task DisposeAsync()
        {
            if (_longWindow is not null)
            {
                await _longWindow.DisposeAsync();
            }

            if (_shortWindow is not null)
            {
                await _shortWindow.DisposeAsync();
            }
        }
    }
}
