using System.Net;
using System.Text;
using StackExchange.Redis;

namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// Nothing of an owner stays in Redis after its jobs expired (<c>JOB_TTL_SECONDS</c> short here): its
/// index hash and its field of the active counts go, the cluster's count of unfinished jobs is gone at
/// 0, and its idempotency records expire on their own. Against a real silo, gateway and redis-server.
/// </summary>
public sealed class OwnerIndexExpiryTests : IAsyncLifetime
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);
    private ClusterHarness? _cluster;
    private ConnectionMultiplexer? _redis;

    private ClusterHarness Cluster => _cluster!;

    public async Task InitializeAsync()
    {
        _cluster = await ClusterHarness.StartAsync(
            "api-owner-index-expiry", silos: 1, gateways: 1,
            new Dictionary<string, string?> { ["JOB_TTL_SECONDS"] = "1" });
        _redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{_cluster.Redis!.Port}");
    }

    public async Task DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task Once_an_owners_jobs_expired_its_index_count_and_the_cluster_total_are_gone_and_its_idempotency_key_expires()
    {
        var owner = TestData.NewOwner("expiring");
        var client = Cluster.Gateways[0].Client(owner);
        var jobs = new List<string> { await client.StartJobAsync([70000]), await client.StartJobAsync([70007, 70001]) };
        using (var keyed = new HttpRequestMessage(HttpMethod.Post, "/v1/download/initiate")
        {
            Content = new StringContent(TestData.InitiateBody([70014]), Encoding.UTF8, "application/json"),
            Headers = { { "Idempotency-Key", "expiring-key" } },
        })
        using (var response = await client.SendAsync(keyed))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            jobs.Add(JsonElementExtensions.ParseJson(await response.Content.ReadAsStringAsync()).String("jobId"));
        }

        var server = _redis!.GetServer(_redis.GetEndPoints()[0]);
        var db = _redis.GetDatabase();
        var ownerKeys = server.Keys(pattern: $"*:owner:{owner}").ToList();
        Assert.Single(ownerKeys);

        foreach (var jobId in jobs)
        {
            await client.WaitForTerminalAsync(jobId, JobTimeout, Cluster.Diagnostics);
        }

        string Left()
        {
            var left = server.Keys(pattern: $"*{owner}*").Select(k => (string)k!).ToList();
            var activeFields = server.Keys(pattern: "*:active").Where(k => db.HashExists(k, owner)).Select(k => (string)k!);
            return string.Join(", ", left.Concat(activeFields));
        }

        await Poll.UntilAsync(
            "the owner's index and count to be deleted once its jobs expired",
            TimeSpan.FromSeconds(30),
            async _ =>
            {
                await Task.Yield();
                var left = server.Keys(pattern: $"*{owner}*").Select(k => (string)k!).ToList();
                // Only the idempotency record may remain: it expires by itself.
                return left.All(k => k.Contains(":idem:", StringComparison.Ordinal))
                    && !server.Keys(pattern: "*:active").Any(k => db.HashExists(k, owner));
            },
            () => $"left: {Left()}\n{Cluster.Diagnostics()}");

        var idempotency = Assert.Single(server.Keys(pattern: $"*:idem:*{owner}/expiring-key"));
        var ttl = await db.KeyTimeToLiveAsync(idempotency);
        Assert.True(ttl is { } t && t > TimeSpan.Zero && t <= TimeSpan.FromHours(25), $"the idempotency record should expire, TTL {ttl}");
        Assert.Empty(server.Keys(pattern: "*/intake/active"));
        foreach (var jobId in jobs)
        {
            using var gone = await client.GetAsync($"/v1/download/status/{jobId}");
            await ProblemAssert.IsProblemAsync(gone, HttpStatusCode.NotFound, "an expired job");
        }
    }
}
