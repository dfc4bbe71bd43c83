using System.Net;
using System.Text;
using Delineate.Drills.Tests.Cluster;
using Delineate.Drills.Tests.Verification;

namespace Delineate.Drills.Tests.Regressions;

/// <summary>
/// Bug found by the long drill (third run: 5 job states no client was given, each a complete
/// second copy of a job whose initiate had been retried with the same Idempotency-Key): the
/// idempotency record is written only after the job was created (IdempotencyGrain.Initiate), so
/// when that write fails or its silo dies in between, the client's retry with the same key creates
/// another job. Both run; the owner sees two jobs for one request. Made repeatable by making the
/// idempotency records read-only (Redis ACL) for the first attempt. Fixed by recording the key
/// (with the job id) before the job is created, so every retry converges on that one job id.
/// </summary>
[Collection(RegressionClusterCollection.Name)]
[Trait("Category", "Regression")]
public sealed class IdempotentRetryTests(RegressionCluster fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_retry_with_the_same_key_after_a_failed_attempt_never_makes_a_second_job()
    {
        await fixture.ResetAsync(output);
        var gateway = fixture.Cluster.Gateways[0].Current!.BaseAddress;
        var key = Guid.NewGuid().ToString("N");
        var owner = $"idempotent-{key[..8]}";
        var since = StoredJobAudit.Normalize(Guid.CreateVersion7().ToString())[..12];

        await RedisAclFault.DenyIdempotencyWritesAsync(fixture.Cluster.Redis.Port);
        string first;
        try
        {
            var (code, body, response) = await fixture.SendAsync(Initiate(gateway, key, owner));
            response.Dispose();
            first = $"{(int)code} {body}";
        }
        finally
        {
            await RedisAclFault.AllowAllAsync(fixture.Cluster.Redis.Port);
        }

        var (retryCode, retryBody, retryResponse) = await fixture.SendAsync(Initiate(gateway, key, owner));
        retryResponse.Dispose();
        output.WriteLine($"first attempt (idempotency records read-only): {first}\nretry with the same key: {(int)retryCode} {retryBody}");
        Assert.Equal(HttpStatusCode.Accepted, retryCode);
        var jobId = JsonElementExtensions.ParseJson(retryBody).String("jobId");

        var stored = (await StoredJobAudit.StoredJobIdsAsync(fixture.Cluster.Redis.Port))
            .Where(id => string.CompareOrdinal(id[..12], since) >= 0)
            .ToList();
        Assert.True(stored.SequenceEqual([StoredJobAudit.Normalize(jobId)]),
            $"one request (one Idempotency-Key) must make one job; stored since the test began: {string.Join(", ", stored)}; the client holds {jobId}");
    }

    private static HttpRequestMessage Initiate(Uri gateway, string key, string owner)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "/v1/download/initiate"))
        {
            Content = new StringContent("""{"file_ids":[70014,70021,70002]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key);
        request.Headers.Add("X-User-Id", owner);
        return request;
    }
}
