using System.Diagnostics;
using System.Net;

namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// Item 6 of issue 13: <c>/health</c> answers are shared for a second, so a flood of health requests
/// costs about one S3 HeadBucket per second per endpoint, not one per request. Counted at a proxy
/// between a clustered gateway and s3rver.
/// </summary>
[Collection(HostileClusterCollection.Name)]
public sealed class HealthFloodTests(HostileClusterFixture fixture, ITestOutputHelper output)
{
    private const int Requests = 300;

    [Fact]
    public async Task A_health_flood_does_not_multiply_storage_calls()
    {
        await using var proxy = await CountingS3Proxy.StartAsync(fixture.Cluster.S3!.Endpoint, "gateway");
        var environment = fixture.Cluster.Environment();
        environment["S3_ENDPOINT"] = proxy.EndpointFor("gateway").ToString().TrimEnd('/');
        await using var gateway = await GatewayHost.StartClusteredAsync(fixture.Cluster.Directory, environment, "gateway-health-flood");
        var client = gateway.Client();
        await Poll.UntilAsync(
            "the gateway to be ready",
            TimeSpan.FromSeconds(60),
            async ct =>
            {
                using var response = await client.GetAsync("/health/ready", ct);
                return response.StatusCode == HttpStatusCode.OK;
            },
            gateway.Tail);

        var before = BucketHeads(proxy);
        var clock = Stopwatch.StartNew();
        var statuses = new List<HttpStatusCode>();
        await Parallel.ForAsync(0, Requests, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            using var response = await client.GetAsync(i % 2 == 0 ? "/health" : "/health/ready", ct);
            lock (statuses)
            {
                statuses.Add(response.StatusCode);
            }
        });
        clock.Stop();
        var heads = BucketHeads(proxy) - before;
        output.WriteLine($"{Requests} health requests in {clock.Elapsed.TotalSeconds:F2} s: {heads} HeadBucket calls");

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
        // Two endpoints with checks, each at most one round per started second (plus the one in flight).
        var bound = 2 * ((int)clock.Elapsed.TotalSeconds + 2);
        Assert.True(heads <= bound, $"{heads} HeadBucket calls for {Requests} health requests in {clock.Elapsed.TotalSeconds:F2} s; at most {bound} expected");
    }

    private static int BucketHeads(CountingS3Proxy proxy) =>
        proxy.Requests.Count(r => r.Method == "HEAD" && r.Path.Trim('/') == ClusterHarness.Bucket);
}
