using System.Net;

namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// Item 8 of issue 13: careless settings stop the process at start with one line naming the setting
/// (API keys under 24 characters, a BLOB_SIGNING_KEY under 32 bytes, a clustered gateway in
/// Auth:Mode none without ALLOW_ANONYMOUS=true, malformed TRUSTED_PROXIES); keys of the minimum
/// length work and near misses do not.
/// </summary>
[Collection(HostileClusterCollection.Name)]
public sealed class ProductionDefaultsTests(HostileClusterFixture fixture)
{
    private TestDirectory Directory => fixture.Cluster.Directory;

    [Fact]
    public async Task An_api_key_under_24_characters_is_refused()
    {
        var line = await RefusedStart.ConfigurationErrorAsync("gateway-short-key", RepositoryLayout.GatewayDll, RefusedStart.EmbeddedGateway(new Dictionary<string, string?>
        {
            ["Auth__Mode"] = "apikey",
            ["Auth__ApiKeys"] = $"{ApiKeyGatewayFixture.ShortestKey}=fine;{ApiKeyGatewayFixture.ShortestKey[..23]}=short",
        }), Directory);
        Assert.Equal("Configuration error: Auth:ApiKeys (Auth__ApiKeys) keys must be at least 24 characters (one has 23).", line);
    }

    [Fact]
    public async Task A_blob_signing_key_under_32_bytes_is_refused()
    {
        var line = await RefusedStart.ConfigurationErrorAsync("gateway-short-signing-key", RepositoryLayout.GatewayDll,
            RefusedStart.EmbeddedGateway(new Dictionary<string, string?> { ["BLOB_SIGNING_KEY"] = new string('s', 31) }), Directory);
        Assert.Equal("Configuration error: BLOB_SIGNING_KEY must be at least 32 bytes (was 31).", line);
    }

    [Fact]
    public async Task A_clustered_gateway_in_none_mode_needs_allow_anonymous()
    {
        var line = await RefusedStart.ConfigurationErrorAsync("gateway-anonymous-clustered", RepositoryLayout.GatewayDll,
            RefusedStart.ClusterMember(fixture.Cluster, new Dictionary<string, string?> { ["Auth__Mode"] = "none", ["ALLOW_ANONYMOUS"] = null }, gateway: true), Directory);
        Assert.Equal("Configuration error: ALLOW_ANONYMOUS must be true for a clustered gateway in Auth:Mode none (anyone can create jobs); or set Auth__Mode=apikey.", line);
    }

    [Fact]
    public async Task A_clustered_gateway_in_apikey_mode_starts_without_allow_anonymous()
    {
        var environment = fixture.Cluster.Environment();
        environment["Auth__Mode"] = "apikey";
        environment["Auth__ApiKeys"] = $"{ApiKeyGatewayFixture.LongKey}=long";
        environment["ALLOW_ANONYMOUS"] = "false";
        await using var gateway = await GatewayHost.StartClusteredAsync(Directory, environment, "gateway-apikey-clustered");
        using var anonymous = await gateway.Client().GetAsync("/v1/download/jobs");
        await ProblemAssert.IsProblemAsync(anonymous, HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("10.0.0.0/8,not-an-address", "'not-an-address'")]
    [InlineData("10.0.0.0/33", "'10.0.0.0/33'")]
    [InlineData("192.0.2.1/24x, 300.1.1.1", "'192.0.2.1/24x', '300.1.1.1'")]
    public async Task Malformed_trusted_proxies_are_refused(string value, string named)
    {
        var line = await RefusedStart.ConfigurationErrorAsync($"gateway-trusted-proxies-{Guid.NewGuid():N}", RepositoryLayout.GatewayDll,
            RefusedStart.EmbeddedGateway(new Dictionary<string, string?> { ["TRUSTED_PROXIES"] = value }), Directory);
        Assert.Equal($"Configuration error: TRUSTED_PROXIES must be comma-separated IP addresses or CIDR networks (bad: {named}).", line);
    }

    [Fact]
    public async Task A_key_of_exactly_24_characters_works_and_near_misses_are_401()
    {
        await using var host = await GatewayHost.StartEmbeddedAsync("hostile-keys", new Dictionary<string, string?>
        {
            ["Auth__Mode"] = "apikey",
            ["Auth__ApiKeys"] = $"{ApiKeyGatewayFixture.ShortestKey}=shortest;{ApiKeyGatewayFixture.LongKey}=long",
        });
        foreach (var key in new[] { ApiKeyGatewayFixture.ShortestKey, ApiKeyGatewayFixture.LongKey })
        {
            using var served = await WithKey(host, key).GetAsync("/v1/download/jobs");
            Assert.True(served.StatusCode == HttpStatusCode.OK, $"key {key}: {(int)served.StatusCode}");
        }

        var key24 = ApiKeyGatewayFixture.ShortestKey;
        foreach (var (what, key) in new[]
        {
            ("its 23-character prefix", key24[..23]),
            ("the last character changed", key24[..23] + "k"),
            ("one character more", key24 + "x"),
            ("the other key's prefix", ApiKeyGatewayFixture.LongKey[..24]),
            ("upper case", key24.ToUpperInvariant()),
        })
        {
            using var refused = await WithKey(host, key).GetAsync("/v1/download/jobs");
            var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Unauthorized, what);
            Assert.Equal("Send a valid API key in the X-API-Key header (or Authorization: Bearer).", problem.String("detail"));
        }
    }

    private static HttpClient WithKey(GatewayHost host, string key)
    {
        var client = host.Client();
        client.DefaultRequestHeaders.Add("X-API-Key", key);
        return client;
    }
}
