using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Delineate.Api.Tests;

/// <summary>
/// Completion webhooks against a real Kestrel receiver on loopback (so private networks are allowed
/// here): retries with backoff until a 2xx, a signature that verifies on every attempt, the payload of
/// the terminal event with the status's result, and the delivery shown in the status.
/// </summary>
public sealed class WebhookDeliveryTests : IAsyncLifetime
{
    public const string Secret = "webhook-delivery-tests-secret-0123456789";
    private const int BackoffBaseMs = 100;
    private const int TimeoutMs = 1500;
    private static readonly TimeSpan SignatureTolerance = TimeSpan.FromMinutes(5);

    private GatewayHost? _host;
    private WebhookReceiver? _receiver;

    private GatewayHost Host => _host!;

    private WebhookReceiver Receiver => _receiver!;

    public async Task InitializeAsync()
    {
        _receiver = await WebhookReceiver.StartAsync();
        _host = await GatewayHost.StartEmbeddedAsync("api-webhooks", new Dictionary<string, string?>
        {
            ["WEBHOOK_SECRET"] = Secret,
            ["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = "true",
            ["WEBHOOK_BACKOFF_BASE_MS"] = BackoffBaseMs.ToString(CultureInfo.InvariantCulture),
            ["WEBHOOK_TIMEOUT_MS"] = TimeoutMs.ToString(CultureInfo.InvariantCulture),
        });
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_receiver_that_fails_twice_gets_the_signed_result_on_the_third_attempt_and_the_status_says_delivered()
    {
        Receiver.Answer = index => index < 2 ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK;
        var client = Host.Client(TestData.NewOwner("webhook"));
        int[] fileIds = [70000, 70007, 70001];

        using var initiated = await client.PostJsonAsync("/v1/download/initiate",
            JsonSerializer.Serialize(new { file_ids = fileIds, callback_url = Receiver.Url.ToString() }));
        var accepted = JsonElementExtensions.ParseJson(await initiated.Content.ReadAsStringAsync());
        Assert.True(initiated.StatusCode == HttpStatusCode.Accepted, accepted.GetRawText());
        var jobId = accepted.String("jobId");
        var early = (await client.StatusAsync(jobId)).Field("webhook");
        Assert.Equal(Receiver.Url.ToString(), early.String("url"));

        var status = await WaitForWebhookAsync(client, jobId, "delivered");

        var webhook = status.Field("webhook");
        Assert.Equal(3, webhook.Long("attempts"));
        Assert.Equal("HTTP 500", webhook.String("lastError"));
        var received = Receiver.For(jobId);
        Assert.Equal([500, 500, 200], received.Select(r => r.Answered));
        Assert.Equal(["1", "2", "3"], received.Select(r => r.AttemptHeader));
        foreach (var attempt in received)
        {
            Assert.True(WebhookReceiver.SignatureVerifies(attempt, Secret, SignatureTolerance), $"attempt {attempt.AttemptHeader}: '{attempt.Signature}' does not verify");
            Assert.False(WebhookReceiver.SignatureVerifies(attempt, Secret + "-other", SignatureTolerance));
            Assert.Equal(jobId, attempt.JobIdHeader);
            Assert.Equal("application/json", attempt.ContentType?.Split(';')[0]);
        }
        // Backoff: at least half of base x 2^(n-1) between attempts (the other half is jitter).
        Assert.True(received[1].At - received[0].At >= TimeSpan.FromMilliseconds(BackoffBaseMs / 2.0 * 0.8), $"{received[0].At:O} -> {received[1].At:O}");
        Assert.True(received[2].At - received[1].At >= TimeSpan.FromMilliseconds(BackoffBaseMs * 0.8), $"{received[1].At:O} -> {received[2].At:O}");

        var payload = received[2].Json;
        Assert.Equal(("completed", jobId, "completed", "finished"), (payload.String("type"), payload.String("jobId"), payload.String("status"), payload.String("phase")));
        Assert.Equal(status.Long("seq"), payload.Long("seq"));
        Assert.Equal(ParseTime(status.String("updatedAt")), ParseTime(payload.String("at")));
        Assert.Equal((100L, 3L, 3L, 1L, 0L), (payload.Long("progress"), payload.Long("filesDone"), payload.Long("filesTotal"), payload.Long("filesMissing"), payload.Long("filesFailed")));
        Assert.False(payload.TryGetProperty("error", out _), payload.GetRawText());

        // The result as the status gives it: the same counts and message, links absolute on the gateway.
        var result = payload.Field("result");
        var statusResult = status.Field("result");
        foreach (var field in new[] { "successCount", "missingCount", "failedCount" })
        {
            Assert.Equal(statusResult.Long(field), result.Long(field));
        }
        Assert.Equal(statusResult.String("message"), result.String("message"));
        Assert.Equal(
            statusResult.Array("downloadUrls").Select(u => PathOf(u.GetString()!)),
            result.Array("downloadUrls").Select(u => PathOf(u.GetString()!)));
        var archiveUrl = result.String("archiveUrl");
        Assert.StartsWith(Host.BaseAddress.ToString().TrimEnd('/') + "/", archiveUrl);
        Assert.Equal(PathOf(statusResult.String("archiveUrl")), PathOf(archiveUrl));
        using var archive = await client.GetAsync(archiveUrl);
        Assert.Equal(HttpStatusCode.OK, archive.StatusCode);
        Assert.Equal(2, ZipContents.Read(await archive.Content.ReadAsByteArrayAsync()).Count);
    }

    [Fact]
    public async Task A_failed_and_a_cancelled_job_are_reported_with_their_own_terminal_event()
    {
        Receiver.Answer = _ => StatusCodes.Status204NoContent;
        var client = Host.Client(TestData.NewOwner("webhook-ends"));
        var callback = Receiver.Url.ToString();
        // Only missing files: the job fails. Many files: it is still running when it is cancelled.
        var failed = await InitiateAsync(client, [70001, 70002], callback);
        var cancelled = await InitiateAsync(client, TestData.AvailableIds(200, 80003), callback);
        using (var cancel = await client.DeleteAsync($"/v1/download/{cancelled}"))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        foreach (var (jobId, end) in new[] { (failed, "failed"), (cancelled, "cancelled") })
        {
            var status = await WaitForWebhookAsync(client, jobId, "delivered");
            Assert.Equal(1, status.Field("webhook").Long("attempts"));
            var payload = Assert.Single(Receiver.For(jobId)).Json;
            Assert.Equal((end, end, status.Long("seq")), (payload.String("type"), payload.String("status"), payload.Long("seq")));
            Assert.Equal(status.Field("result").String("message"), payload.Field("result").String("message"));
            if (end == "failed")
            {
                Assert.Equal(status.String("error"), payload.String("error"));
                Assert.Equal(JsonValueKind.Null, payload.Field("result").Field("archiveUrl").ValueKind);
            }
        }
    }

    [Fact]
    public async Task An_attempt_that_gets_no_answer_in_time_counts_as_failed_and_is_retried()
    {
        Receiver.Answer = _ => StatusCodes.Status200OK;
        Receiver.Delay = index => index == 0 ? TimeSpan.FromMilliseconds(TimeoutMs * 3) : TimeSpan.Zero;
        var client = Host.Client(TestData.NewOwner("webhook-timeout"));
        try
        {
            var jobId = await InitiateAsync(client, [70021], Receiver.Url.ToString());

            var webhook = (await WaitForWebhookAsync(client, jobId, "delivered")).Field("webhook");

            Assert.Equal(2, webhook.Long("attempts"));
            Assert.Contains("WEBHOOK_TIMEOUT_MS", webhook.String("lastError"));
            Assert.Equal(["1", "2"], Receiver.For(jobId).Select(r => r.AttemptHeader));
        }
        finally
        {
            Receiver.Delay = _ => TimeSpan.Zero;
        }
    }

    [Fact]
    public async Task A_job_without_a_callback_shows_no_webhook()
    {
        var client = Host.Client(TestData.NewOwner("no-webhook"));
        var jobId = await client.StartJobAsync([70014]);

        var status = await client.WaitForTerminalAsync(jobId, TimeSpan.FromSeconds(60), Host.Tail);

        Assert.False(status.TryGetProperty("webhook", out _), status.GetRawText());
    }

    [Fact]
    public async Task A_callback_with_another_scheme_is_refused_even_where_private_networks_are_allowed()
    {
        var client = Host.Client(TestData.NewOwner("webhook-scheme"));

        using var response = await client.PostJsonAsync("/v1/download/initiate", """{"file_ids":[70000],"callback_url":"ftp://127.0.0.1/hooks"}""");

        await ProblemAssert.IsValidationProblemAsync(response, "callback_url");
    }

    private static async Task<string> InitiateAsync(HttpClient client, int[] fileIds, string callback)
    {
        using var response = await client.PostJsonAsync("/v1/download/initiate", JsonSerializer.Serialize(new { file_ids = fileIds, callback_url = callback }));
        var body = JsonElementExtensions.ParseJson(await response.Content.ReadAsStringAsync());
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body.GetRawText());
        return body.String("jobId");
    }

    private async Task<JsonElement> WaitForWebhookAsync(HttpClient client, string jobId, string expected)
    {
        JsonElement? last = null;
        var boxed = await Poll.UntilAsync<object>(
            $"job {jobId}'s webhook to be {expected}",
            TimeSpan.FromSeconds(60),
            async ct =>
            {
                var status = await client.StatusAsync(jobId, ct);
                last = status;
                var state = status.Field("webhook").String("status");
                if (state != expected && state != "pending")
                {
                    throw new PollAbortedException($"the webhook is {state}: {status.GetRawText()}");
                }
                return state == expected ? status : null;
            },
            () => $"last status: {last?.GetRawText() ?? "none"}\nreceived: {string.Join(", ", Receiver.For(jobId).Select(r => r.Answered))}\n{Host.Tail()}",
            TimeSpan.FromMilliseconds(100));
        return (JsonElement)boxed;
    }

    private static DateTimeOffset ParseTime(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>A link without its query: the signature and expiry differ between two signings.</summary>
    private static string PathOf(string url) => url.Split('?')[0];
}
