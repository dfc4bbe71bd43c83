using System.Text;
using Delineate.Drills.Tests.Cluster;
using Delineate.Drills.Tests.Verification;

namespace Delineate.Drills.Tests.Regressions;

/// <summary>
/// Bug found by the short drill (a reminder write timed out under load): DownloadJobGrain.Initiate
/// persists the queued job, then registers its wake-up reminder, then starts the work. When the
/// reminder registration fails, the call fails (500), the work never starts and no reminder will
/// ever start it: the stored job stays "queued" forever, and the client's retry (same
/// Idempotency-Key) creates another job, because the idempotency record is written only after success.
/// </summary>
[Collection(RegressionClusterCollection.Name)]
[Trait("Category", "Regression")]
public sealed class HalfDoneInitiateTests(RegressionCluster fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task An_initiate_that_fails_half_way_leaves_no_job_that_never_runs()
    {
        await fixture.ResetAsync(output);
        var gateway = fixture.Cluster.Gateways[0].Current!.BaseAddress;
        var key = Guid.NewGuid().ToString("N");
        var before = StoredJobAudit.Normalize(Guid.CreateVersion7().ToString())[..12];

        await RedisAclFault.DenyReminderWritesAsync(fixture.Cluster.Redis.Port);
        string firstAnswer;
        try
        {
            var (code, body, _) = await fixture.SendAsync(Initiate(gateway, key));
            firstAnswer = $"{(int)code} {body}";
        }
        finally
        {
            await RedisAclFault.AllowAllAsync(fixture.Cluster.Redis.Port);
        }

        output.WriteLine($"initiate while reminder writes fail: {firstAnswer}");
        var (retryCode, retryBody, _) = await fixture.SendAsync(Initiate(gateway, key));
        output.WriteLine($"the same initiate again: {(int)retryCode} {retryBody}");
        Assert.Equal(202, (int)retryCode);
        var retried = JsonElementExtensions.ParseJson(retryBody).String("jobId");

        // Every job stored since the test began must be the one the client holds, or at least run.
        var stored = (await StoredJobAudit.StoredJobIdsAsync(fixture.Cluster.Redis.Port))
            .Where(id => string.CompareOrdinal(id[..12], before) >= 0)
            .ToList();
        output.WriteLine($"job states stored since the test began: {string.Join(", ", stored)}; the client holds {retried}");
        var stranded = new List<string>();
        foreach (var id in stored.Where(id => id != StoredJobAudit.Normalize(retried)))
        {
            var jobId = Guid.ParseExact(id, "N").ToString();
            try
            {
                await fixture.WaitForTerminalAsync(new Load.JobRecord(0, [], "regression", Load.FollowMode.Poll) { Initiate = new Load.InitiateOutcome(jobId, key, 1, "", null) }, TimeSpan.FromSeconds(20));
            }
            catch (TimeoutException ex)
            {
                stranded.Add($"{jobId}: {ex.Message.Split('\n').FirstOrDefault(l => l.StartsWith("last status", StringComparison.Ordinal)) ?? ex.Message}");
            }
        }

        Assert.True(stranded.Count == 0,
            $"jobs stored by the failed initiate never ran (no client holds their id, no reminder wakes them):\n{string.Join('\n', stranded)}");
    }

    private static HttpRequestMessage Initiate(Uri gateway, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "/v1/download/initiate"))
        {
            Content = new StringContent("""{"file_ids":[70000,70007,70001]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key);
        request.Headers.Add("X-User-Id", "regression");
        return request;
    }
}
