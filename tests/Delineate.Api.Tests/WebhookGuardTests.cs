using System.Net;
using System.Text;

namespace Delineate.Api.Tests;

/// <summary>
/// The webhook SSRF guard as clients meet it, on a gateway with a webhook secret and the default
/// policy (no private networks): every refused <c>callback_url</c> is a 400 naming it, and no job is made.
/// </summary>
public sealed class WebhookGuardTests : IAsyncLifetime
{
    private GatewayHost? _host;

    private GatewayHost Host => _host!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartEmbeddedAsync("api-webhook-guard", new Dictionary<string, string?>
    {
        ["WEBHOOK_SECRET"] = WebhookDeliveryTests.Secret,
        ["WEBHOOK_ALLOW_PRIVATE_NETWORKS"] = null,
    });

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    public static TheoryData<string, string> RefusedCallbacks() => new()
    {
        // why, the callback_url JSON value
        { "loopback address", "\"http://127.0.0.1:8080/hooks\"" },
        { "localhost", "\"http://localhost:8080/hooks\"" },
        { "IPv6 loopback", "\"http://[::1]:8080/hooks\"" },
        { "IPv4-mapped loopback", "\"http://[::ffff:127.0.0.1]/hooks\"" },
        { "private network", "\"http://10.0.0.5/hooks\"" },
        { "private network 192.168", "\"http://192.168.1.10/hooks\"" },
        { "cloud metadata (link-local)", "\"http://169.254.169.254/latest/meta-data/\"" },
        { "CGNAT", "\"http://100.64.0.1/hooks\"" },
        { "unspecified", "\"http://0.0.0.0/hooks\"" },
        { "ftp", "\"ftp://example.com/hooks\"" },
        { "file", "\"file:///etc/passwd\"" },
        { "javascript", "\"javascript:alert(1)\"" },
        { "relative", "\"/hooks\"" },
        { "no scheme", "\"example.com/hooks\"" },
        { "credentials", "\"https://user:secret@example.com/hooks\"" },
        { "empty", "\"\"" },
        { "number", "42" },
        { "object", """{"url":"https://example.com/hooks"}""" },
        { "array", """["https://example.com/hooks"]""" },
    };

    [Theory]
    [MemberData(nameof(RefusedCallbacks))]
    public async Task A_refused_callback_url_is_a_400_naming_it_and_makes_no_job(string why, string callback)
    {
        var client = Host.Client(TestData.NewOwner("guard"));

        using var response = await client.PostJsonAsync("/v1/download/initiate", $$"""{"file_ids":[70000],"callback_url":{{callback}}}""");

        await ProblemAssert.IsValidationProblemAsync(response, "callback_url", why);
        using var jobs = await client.GetAsync("/v1/download/jobs");
        var list = JsonElementExtensions.ParseJson(await jobs.Content.ReadAsStringAsync());
        Assert.True(list.Long("total") == 0, $"{why}: a job was made: {list.GetRawText()}");
    }

    [Fact]
    public async Task A_bad_callback_and_bad_file_ids_are_both_named()
    {
        var client = Host.Client(TestData.NewOwner("guard-both"));

        using var response = await client.PostJsonAsync("/v1/download/initiate", """{"file_ids":[5],"callback_url":"http://127.0.0.1/hooks"}""");

        var problem = await ProblemAssert.IsValidationProblemAsync(response, "callback_url");
        Assert.True(problem.Field("errors").TryGetProperty("file_ids", out _), problem.GetRawText());
    }

    [Fact]
    public async Task A_public_callback_is_accepted_and_the_status_shows_its_pending_delivery_and_a_null_one_means_none()
    {
        var client = Host.Client(TestData.NewOwner("guard-public"));
        // .invalid never resolves (RFC 6761): nothing is ever delivered anywhere.
        const string url = "https://hooks.example.invalid/delineate";

        var accepted = await client.PostJsonAsync("/v1/download/initiate", $$"""{"file_ids":[70000],"callback_url":"{{url}}"}""");
        var body = JsonElementExtensions.ParseJson(await accepted.Content.ReadAsStringAsync());
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, body.GetRawText());
        var withNull = await client.PostJsonAsync("/v1/download/initiate", """{"file_ids":[70000],"callback_url":null}""");
        var nullBody = JsonElementExtensions.ParseJson(await withNull.Content.ReadAsStringAsync());
        Assert.True(withNull.StatusCode == HttpStatusCode.Accepted, nullBody.GetRawText());

        var webhook = (await client.StatusAsync(body.String("jobId"))).Field("webhook");
        Assert.Equal(url, webhook.String("url"));
        Assert.Contains(webhook.String("status"), new[] { "pending", "failed" });
        Assert.False((await client.StatusAsync(nullBody.String("jobId"))).TryGetProperty("webhook", out _));
    }

    [Fact]
    public async Task An_idempotency_key_is_bound_to_the_callback_too()
    {
        var client = Host.Client(TestData.NewOwner("guard-idempotency"));
        var key = Guid.NewGuid().ToString("N");

        async Task<HttpResponseMessage> PostAsync(string url)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/download/initiate")
            {
                Content = new StringContent($$"""{"file_ids":[70000],"callback_url":"{{url}}"}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("Idempotency-Key", key);
            return await client.SendAsync(request);
        }

        using var first = await PostAsync("https://a.example.invalid/hooks");
        using var again = await PostAsync("https://a.example.invalid/hooks");
        using var other = await PostAsync("https://b.example.invalid/hooks");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal(
            JsonElementExtensions.ParseJson(await first.Content.ReadAsStringAsync()).String("jobId"),
            JsonElementExtensions.ParseJson(await again.Content.ReadAsStringAsync()).String("jobId"));
        await ProblemAssert.IsProblemAsync(other, HttpStatusCode.UnprocessableEntity);
    }
}
