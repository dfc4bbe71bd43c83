using System.Globalization;
using System.Net;

namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// Item 6 of issue 13: rate limits per client address, with the address taken from
/// <c>X-Forwarded-For</c> only when the peer is in <c>TRUSTED_PROXIES</c> (loopback is trusted only
/// when listed); requests with no or a bad key are limited per address. The gateway runs in apikey
/// mode, 3 requests a minute, trusting 127.0.0.52 and 127.0.1.0/24. Each test sends from loopback
/// addresses of its own.
/// </summary>
public sealed class ForwardedHeadersTests(ForwardedHeadersTests.Fixture fixture) : IClassFixture<ForwardedHeadersTests.Fixture>
{
    private const int Limit = 3;
    private const string TrustedProxy = "127.0.0.52";
    private const string Key = "forwarded-key-0123456789abcdef";

    [Fact]
    public async Task Rotating_x_forwarded_for_from_an_untrusted_peer_changes_nothing()
    {
        // 127.0.0.51 is loopback: trusted by ASP.NET Core's defaults, not by ours.
        var client = fixture.Host.Client(source: IPAddress.Parse("127.0.0.51"));
        for (var i = 0; i < Limit; i++)
        {
            using var served = await GetAsync(client, "/", forwardedFor: $"203.0.113.{i + 1}");
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
            Assert.Equal((Limit - 1 - i).ToString(CultureInfo.InvariantCulture), Header(served, "RateLimit-Remaining"));
        }

        using var limited = await GetAsync(client, "/", forwardedFor: "203.0.113.99");
        await AssertLimitedAsync(limited);
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_each_forwarded_client_has_its_own_limit()
    {
        var proxy = fixture.Host.Client(source: IPAddress.Parse(TrustedProxy));
        for (var i = 0; i < Limit; i++)
        {
            using var served = await GetAsync(proxy, "/", forwardedFor: "198.51.100.7");
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        using (var limited = await GetAsync(proxy, "/", forwardedFor: "198.51.100.7"))
        {
            await AssertLimitedAsync(limited);
        }

        // Through a second trusted hop (127.0.1.0/24) it is still the same client.
        using (var viaTwoHops = await GetAsync(proxy, "/", forwardedFor: "198.51.100.7, 127.0.1.5"))
        {
            await AssertLimitedAsync(viaTwoHops);
        }

        // Another client behind the same proxy, and the proxy itself, are served.
        using (var otherClient = await GetAsync(proxy, "/", forwardedFor: "198.51.100.8"))
        {
            Assert.Equal(HttpStatusCode.OK, otherClient.StatusCode);
            Assert.Equal((Limit - 1).ToString(CultureInfo.InvariantCulture), Header(otherClient, "RateLimit-Remaining"));
        }

        // An untrusted hop: the address it reports is the client, whatever it claims before it.
        using (var spoofed = await GetAsync(proxy, "/", forwardedFor: "198.51.100.7, 203.0.113.50"))
        {
            Assert.Equal(HttpStatusCode.OK, spoofed.StatusCode);
        }

        using var itself = await GetAsync(proxy, "/", forwardedFor: null);
        Assert.Equal(HttpStatusCode.OK, itself.StatusCode);
    }

    [Fact]
    public async Task Rotating_bogus_keys_are_limited_per_address_and_a_valid_key_is_not()
    {
        var client = fixture.Host.Client(source: IPAddress.Parse("127.0.0.53"));
        for (var i = 0; i < Limit; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/download/jobs");
            request.Headers.Add("X-API-Key", $"bogus-key-{Guid.NewGuid():N}");
            using var refused = await client.SendAsync(request);
            var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, $"bogus key {i + 1}");
            Assert.Equal("Unauthorized", problem.String("title"));
        }

        foreach (var (what, header, value) in new[]
        {
            ("another bogus key", "X-API-Key", $"bogus-key-{Guid.NewGuid():N}"),
            ("a bogus bearer token", "Authorization", $"Bearer bogus-{Guid.NewGuid():N}"),
            ("no key", "X-Nothing", "1"),
        })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/download/jobs");
            request.Headers.TryAddWithoutValidation(header, value);
            using var limited = await client.SendAsync(request);
            await AssertLimitedAsync(limited, what);
        }

        using var valid = new HttpRequestMessage(HttpMethod.Get, "/v1/download/jobs");
        valid.Headers.Add("X-API-Key", Key);
        using var served = await client.SendAsync(valid);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return await client.SendAsync(request);
    }

    private static async Task AssertLimitedAsync(HttpResponseMessage response, string context = "")
    {
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests, context);
        Assert.Equal("Too many requests", problem.String("title"));
        Assert.True(response.Headers.RetryAfter?.Delta is { } delta && delta > TimeSpan.Zero && delta <= TimeSpan.FromSeconds(60),
            $"{context}: Retry-After should be 1..60 s, was '{response.Headers.RetryAfter}'");
        Assert.Equal("0", Header(response, "RateLimit-Remaining"));
        Assert.Equal(Limit.ToString(CultureInfo.InvariantCulture), Header(response, "RateLimit-Limit"));
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

    public sealed class Fixture : IAsyncLifetime
    {
        private GatewayHost? _host;

        public GatewayHost Host => _host ?? throw new InvalidOperationException("Not started.");

        public async Task InitializeAsync() => _host = await GatewayHost.StartEmbeddedAsync("hostile-forwarded", new Dictionary<string, string?>
        {
            ["Auth__Mode"] = "apikey",
            ["Auth__ApiKeys"] = $"{Key}=forwarded",
            ["RATE_LIMIT_MAX_REQUESTS"] = Limit.ToString(CultureInfo.InvariantCulture),
            ["RATE_LIMIT_WINDOW_MS"] = "60000",
            ["TRUSTED_PROXIES"] = $"{TrustedProxy}, 127.0.1.0/24",
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
