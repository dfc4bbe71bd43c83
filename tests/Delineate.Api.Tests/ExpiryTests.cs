using System.Net;

namespace Delineate.Api.Tests;

/// <summary>
/// What time takes away: links expire after <c>PRESIGNED_URL_EXPIRY_SECONDS</c>, finished jobs after
/// <c>JOB_TTL_SECONDS</c>, and a job list being paged keeps its place when a job on it expires.
/// </summary>
public sealed class ExpiryTests(ExpiryTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<ExpiryTests.Fixture>
{
    private const int TtlSeconds = 3;
    private const int LinkSeconds = 2;
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    private GatewayHost Host => fixture.Host;

    [Fact]
    public async Task A_download_link_stops_working_once_it_expires()
    {
        var client = Host.Client(TestData.NewOwner("link-expiry"));
        var jobId = await client.StartJobAsync([70000]);
        var done = await client.WaitForTerminalAsync(jobId, JobTimeout, Host.Tail);
        var result = done.Field("result");
        var expiresAt = DateTimeOffset.Parse(result.String("expiresAt"), System.Globalization.CultureInfo.InvariantCulture);
        var archive = new Uri(Host.BaseAddress, result.String("archiveUrl"));
        output.WriteLine($"expiresAt {expiresAt:O}, now {DateTimeOffset.UtcNow:O}: {archive}");
        Assert.True(expiresAt <= DateTimeOffset.UtcNow.AddSeconds(LinkSeconds + 1), $"expiresAt {expiresAt:O} is further than PRESIGNED_URL_EXPIRY_SECONDS={LinkSeconds} away");

        await Poll.UntilAsync(
            "the archive link to expire",
            TimeSpan.FromSeconds(LinkSeconds + 10),
            async ct =>
            {
                using var response = await client.GetAsync(archive, ct);
                return response.StatusCode == HttpStatusCode.Forbidden;
            },
            Host.Tail,
            TimeSpan.FromMilliseconds(250));
        Assert.True(DateTimeOffset.UtcNow >= expiresAt.AddMilliseconds(-500), $"the link stopped working at {DateTimeOffset.UtcNow:O}, before its expiresAt {expiresAt:O}");
    }

    [Fact]
    public async Task A_finished_job_and_its_archive_are_gone_after_the_ttl()
    {
        var client = Host.Client(TestData.NewOwner("ttl"));
        var jobId = await client.StartJobAsync([70000]);
        var done = await client.WaitForTerminalAsync(jobId, JobTimeout, Host.Tail);
        Assert.Equal("completed", done.String("status"));

        await Poll.UntilAsync(
            "the finished job to expire",
            TimeSpan.FromSeconds(TtlSeconds + 20),
            async ct =>
            {
                using var response = await client.GetAsync($"/v1/download/status/{jobId}", ct);
                return response.StatusCode == HttpStatusCode.NotFound;
            },
            Host.Tail,
            TimeSpan.FromMilliseconds(250));

        foreach (var (method, path) in new[] { (HttpMethod.Get, $"/v1/download/{jobId}"), (HttpMethod.Delete, $"/v1/download/{jobId}"), (HttpMethod.Get, $"/v1/download/events/{jobId}") })
        {
            using var response = await client.SendAsync(new HttpRequestMessage(method, path));
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, $"{method} {path} after the TTL");
        }

        using var list = await client.GetAsync("/v1/download/jobs");
        Assert.Empty(JsonElementExtensions.ParseJson(await list.Content.ReadAsStringAsync()).Array("jobs"));
    }

    [Fact]
    public async Task Paging_goes_on_past_a_cursor_whose_job_has_expired()
    {
        var client = Host.Client(TestData.NewOwner("stale-cursor"));

        // Oldest to newest: a long job, a one-file job that finishes (and so expires) first, another long job.
        var oldest = await client.StartJobAsync(TestData.AvailableIds(300));
        var quick = await client.StartJobAsync([70000]);
        var newest = await client.StartJobAsync(TestData.AvailableIds(300, 80000));
        try
        {
            using var first = await client.GetAsync("/v1/download/jobs?limit=2");
            var page = JsonElementExtensions.ParseJson(await first.Content.ReadAsStringAsync());
            output.WriteLine(page.GetRawText());
            Assert.Equal([newest, quick], page.Array("jobs").Select(j => j.String("jobId")).ToArray());
            var cursor = page.String("nextCursor");

            await Poll.UntilAsync(
                "the one-file job to expire",
                TimeSpan.FromSeconds(TtlSeconds + 20),
                async ct =>
                {
                    using var response = await client.GetAsync($"/v1/download/status/{quick}", ct);
                    return response.StatusCode == HttpStatusCode.NotFound;
                },
                Host.Tail,
                TimeSpan.FromMilliseconds(250));
            Assert.False(JobStatuses.IsTerminal((await client.StatusAsync(oldest)).String("status")), "the oldest job should still be running");

            using var second = await client.GetAsync($"/v1/download/jobs?limit=2&cursor={cursor}");
            var text = await second.Content.ReadAsStringAsync();
            output.WriteLine(text);
            Assert.True(second.StatusCode == HttpStatusCode.OK, text);
            var rest = JsonElementExtensions.ParseJson(text).Array("jobs").Select(j => j.String("jobId")).ToArray();
            Assert.True(rest.SequenceEqual([oldest]), $"after the cursor {cursor} (expired since) the next page should hold the oldest job {oldest}: {text}");
        }
        finally
        {
            using var cancelOldest = await client.DeleteAsync($"/v1/download/{oldest}");
            using var cancelNewest = await client.DeleteAsync($"/v1/download/{newest}");
        }
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private GatewayHost? _host;

        public GatewayHost Host => _host!;

        public async Task InitializeAsync() => _host = await GatewayHost.StartEmbeddedAsync("api-expiry", new Dictionary<string, string?>
        {
            ["JOB_TTL_SECONDS"] = TtlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PRESIGNED_URL_EXPIRY_SECONDS"] = LinkSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["ORLEANS_REMINDER_PERIOD_SECONDS"] = "1",
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
