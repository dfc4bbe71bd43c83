using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Http;

namespace Delineate.Api.Tests;

/// <summary>
/// A webhook delivery pending when its silo dies is still made. Two silos, one gateway, Redis and
/// s3rver: the receiver answers 500 until the silo making the attempts is killed with SIGKILL, then
/// 200; the job's reminder reactivates it on the other silo, which goes on from the stored delivery
/// state and delivers.
/// </summary>
public sealed class WebhookFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan SignatureTolerance = TimeSpan.FromMinutes(5);
    private ClusterHarness? _cluster;
    private WebhookReceiver? _receiver;
    private volatile bool _killed;

    private ClusterHarness Cluster => _cluster!;

    private WebhookReceiver Receiver => _receiver!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        Receiver.Answer = _ => _killed ? StatusCodes.Status200OK : StatusCodes.Status500InternalServerError;
        _cluster = await ClusterHarness.StartAsync("api-webhook-failover", silos: 2, gateways: 1, new Dictionary<string, string?>
        {
            ["WEBHOOK_SECRET"] = WebhookDeliveryTests.Secret,
            ["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = "true",
            ["WEBHOOK_BACKOFF_BASE_MS"] = "300",
            ["WEBHOOK_MAX_ATTEMPTS"] = "20",
            ["WEBHOOK_TIMEOUT_MS"] = "3000",
        });
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_delivery_pending_when_its_silo_is_killed_is_made_by_the_other_silo()
    {
        output.WriteLine($"logs: {Cluster.Directory.Path}");
        var client = Cluster.Gateways[0].Client(TestData.NewOwner("webhook-failover"));
        using var initiated = await client.PostJsonAsync("/v1/download/initiate",
            JsonSerializer.Serialize(new { file_ids = TestData.AvailableIds(3), callback_url = Receiver.Url.ToString() }));
        var accepted = JsonElementExtensions.ParseJson(await initiated.Content.ReadAsStringAsync());
        Assert.True(initiated.StatusCode == HttpStatusCode.Accepted, accepted.GetRawText());
        var jobId = accepted.String("jobId");

        // Once a failed attempt is surely stored (the status shows the next one counted, which is made
        // only after the previous outcome was written), so the survivor must go on from it, not start
        // over. The silo making the attempts is the one whose log says so.
        long storedAttempts = 0;
        await Poll.UntilAsync(
            "two failed webhook attempts",
            TimeSpan.FromSeconds(60),
            async ct =>
            {
                storedAttempts = (await client.StatusAsync(jobId, ct)).Field("webhook").Long("attempts") - 1;
                return storedAttempts >= 1;
            },
            () => $"received: {Receiver.Received.Count}\n{Cluster.Diagnostics()}");
        var failedAttempt = $"Job {jobId} webhook attempt";
        var owner = Cluster.Silos.SingleOrDefault(s => s.Process.ReadLog().Contains(failedAttempt, StringComparison.OrdinalIgnoreCase));
        Assert.True(owner is not null, $"no single silo logged '{failedAttempt}'\n{Cluster.Diagnostics()}");
        var survivor = Cluster.Silos.Single(s => s != owner);
        var attemptsBeforeKill = Receiver.Received.Count;
        owner.Kill();
        _killed = true;
        var killedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        output.WriteLine($"killed {owner.Name} after {attemptsBeforeKill} failed attempts ({storedAttempts} stored); {survivor.Name} survives");

        JsonElement? last = null;
        var status = (JsonElement)await Poll.UntilAsync<object>(
            $"job {jobId}'s webhook to be delivered after {owner.Name} was killed",
            TimeSpan.FromSeconds(120),
            async ct =>
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct);
                attempt.CancelAfter(TimeSpan.FromSeconds(5));
                last = await client.StatusAsync(jobId, attempt.Token);
                var state = last.Value.Field("webhook").String("status");
                return state switch
                {
                    "delivered" => last,
                    "failed" => throw new PollAbortedException($"the delivery gave up: {last.Value.GetRawText()}"),
                    _ => null,
                };
            },
            () => $"last status: {last?.GetRawText() ?? "none"}\nreceived: {string.Join(", ", Receiver.Received.Select(r => $"{r.Answered}@{r.At:HH:mm:ss.fff}"))}\n{Cluster.Diagnostics()}",
            TimeSpan.FromMilliseconds(200));
        output.WriteLine($"delivered {clock.Elapsed.TotalSeconds:F1} s after the kill: {status.Field("webhook").GetRawText()}");

        var delivered = Receiver.Received.Where(r => r.Answered == StatusCodes.Status200OK).ToList();
        Assert.NotEmpty(delivered);
        Assert.All(delivered, d => Assert.True(d.At >= killedAt, $"a 200 was answered at {d.At:O}, before the kill at {killedAt:O}"));
        Assert.True(WebhookReceiver.SignatureVerifies(delivered[0], WebhookDeliveryTests.Secret, SignatureTolerance), delivered[0].Signature);
        Assert.Equal(("completed", jobId), (delivered[0].Json.String("type"), delivered[0].Json.String("jobId")));
        Assert.Equal(3, delivered[0].Json.Field("result").Long("successCount"));
        Assert.True(survivor.Process.ReadLog().Contains($"Job {jobId} webhook delivered", StringComparison.OrdinalIgnoreCase),
            $"{survivor.Name} did not log the delivery\n{survivor.Process.Tail()}");
        Assert.True(status.Field("webhook").Long("attempts") > storedAttempts,
            $"attempts {status.Field("webhook").Long("attempts")} should go on from the {storedAttempts} stored before the kill");
        Assert.False(survivor.Process.HasExited, survivor.Process.Tail());
    }
}
