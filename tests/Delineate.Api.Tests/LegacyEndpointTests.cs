using System.Diagnostics;
using System.Net;

namespace Delineate.Api.Tests;

/// <summary>The old service's calls, kept: <c>/v1/download/start</c> (synchronous up to REQUEST_TIMEOUT_MS) and <c>/v1/download/check</c>.</summary>
[Collection(SlowFilesGatewayCollection.Name)]
public sealed class LegacyEndpointTests(LegacyEndpointTests.Fixture fixture, SlowFilesGatewayFixture slow, ITestOutputHelper output)
    : IClassFixture<LegacyEndpointTests.Fixture>
{
    private const int SlowRequestTimeoutMs = SlowFilesGatewayFixture.RequestTimeoutMs;

    [Fact]
    public async Task Start_of_a_fast_file_answers_200_in_the_old_shape()
    {
        var client = fixture.Fast.Client(TestData.NewOwner("start-fast"));
        using var response = await client.PostJsonAsync("/v1/download/start", """{"file_id":70000}""");
        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine(text);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"start answered {(int)response.StatusCode}: {text}");
        var body = JsonElementExtensions.ParseJson(text);
        Assert.Equal(70000, body.Long("file_id"));
        Assert.Equal("completed", body.String("status"));
        Assert.True(body.Long("processingTimeMs") >= 0, text);
        Assert.False(string.IsNullOrWhiteSpace(body.String("message")), text);
        var size = body.Long("size");
        Assert.True(size > 0, text);
        using var download = await client.GetAsync(new Uri(fixture.Fast.BaseAddress, body.String("downloadUrl")));
        Assert.True(download.StatusCode == HttpStatusCode.OK, $"downloadUrl answered {(int)download.StatusCode}");
        Assert.Equal(size, (await download.Content.ReadAsByteArrayAsync()).LongLength);
    }

    [Fact]
    public async Task Start_of_a_missing_file_answers_in_the_old_shape_without_a_url()
    {
        var client = fixture.Fast.Client(TestData.NewOwner("start-missing"));
        using var response = await client.PostJsonAsync("/v1/download/start", """{"file_id":70001}""");
        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine(text);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"start answered {(int)response.StatusCode}: {text}");
        var body = JsonElementExtensions.ParseJson(text);
        Assert.Equal(70001, body.Long("file_id"));
        Assert.NotEqual("completed", body.String("status"));
        Assert.True(body.Field("downloadUrl").ValueKind == JsonValueKind.Null, text);
        body.Field("size");
        body.Long("processingTimeMs");
        body.String("message");
    }

    [Fact]
    public async Task Start_of_a_slow_file_answers_202_with_the_job_urls_within_the_request_timeout()
    {
        var client = slow.Host.Client(TestData.NewOwner("start-slow"));
        var clock = Stopwatch.StartNew();
        using var response = await client.PostJsonAsync("/v1/download/start", """{"file_id":70000}""");
        var elapsed = clock.Elapsed;
        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine($"{(int)response.StatusCode} after {elapsed.TotalMilliseconds:F0} ms: {text}");
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"start answered {(int)response.StatusCode}: {text}");
        Assert.True(
            elapsed < TimeSpan.FromMilliseconds(SlowRequestTimeoutMs) + TimeSpan.FromSeconds(2),
            $"start answered after {elapsed.TotalMilliseconds:F0} ms; REQUEST_TIMEOUT_MS is {SlowRequestTimeoutMs}");
        Assert.True(elapsed >= TimeSpan.FromMilliseconds(SlowRequestTimeoutMs * 0.9), $"start gave up after {elapsed.TotalMilliseconds:F0} ms, before REQUEST_TIMEOUT_MS ({SlowRequestTimeoutMs})");
        var body = JsonElementExtensions.ParseJson(text);
        var jobId = body.String("jobId");
        Assert.EndsWith($"/v1/download/status/{jobId}", body.String("statusUrl"), StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith($"/v1/download/subscribe/{jobId}", body.String("subscribeUrl"), StringComparison.OrdinalIgnoreCase);
        Assert.EndsWith($"/v1/download/events/{jobId}", body.String("eventsUrl"), StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(response.Headers.Location);

        var done = await client.WaitForTerminalAsync(jobId, TimeSpan.FromSeconds(60), slow.Host.Tail);
        Assert.Equal("completed", done.String("status"));
    }

    [Fact]
    public async Task Check_tells_whether_a_file_is_available()
    {
        var client = fixture.Fast.Client(TestData.NewOwner("check"));
        using (var response = await client.PostJsonAsync("/v1/download/check", """{"file_id":70000}"""))
        {
            var text = await response.Content.ReadAsStringAsync();
            output.WriteLine(text);
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            var body = JsonElementExtensions.ParseJson(text);
            Assert.Equal(70000, body.Long("file_id"));
            Assert.True(body.Field("available").GetBoolean(), text);
            Assert.Contains("70000", body.String("s3Key"), StringComparison.Ordinal);
            Assert.True(body.Long("size") > 0, text);
        }

        using (var response = await client.PostJsonAsync("/v1/download/check", """{"file_id":70001}"""))
        {
            var text = await response.Content.ReadAsStringAsync();
            output.WriteLine(text);
            Assert.True(response.StatusCode == HttpStatusCode.OK, text);
            var body = JsonElementExtensions.ParseJson(text);
            Assert.Equal(70001, body.Long("file_id"));
            Assert.False(body.Field("available").GetBoolean(), text);
            body.Field("s3Key");
            Assert.True(body.Field("size").ValueKind == JsonValueKind.Null, text);
        }
    }

    [Fact]
    public async Task Check_and_the_start_job_size_agree()
    {
        var client = fixture.Fast.Client(TestData.NewOwner("check-size"));
        using var check = await client.PostJsonAsync("/v1/download/check", """{"file_id":70007}""");
        using var start = await client.PostJsonAsync("/v1/download/start", """{"file_id":70007}""");
        var checkBody = JsonElementExtensions.ParseJson(await check.Content.ReadAsStringAsync());
        var startBody = JsonElementExtensions.ParseJson(await start.Content.ReadAsStringAsync());
        Assert.Equal(checkBody.Long("size"), startBody.Long("size"));
    }

    /// <summary>A gateway without per-file delays.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private GatewayHost? _fast;

        public GatewayHost Fast => _fast!;

        public async Task InitializeAsync() => _fast = await GatewayHost.StartEmbeddedAsync("api-start-fast", new Dictionary<string, string?>
        {
            ["DOWNLOAD_DELAY_ENABLED"] = "false",
            ["REQUEST_TIMEOUT_MS"] = "10000",
        });

        public async Task DisposeAsync()
        {
            if (_fast is not null)
            {
                await _fast.DisposeAsync();
            }
        }
    }
}
