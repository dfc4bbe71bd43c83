using System.Net;
using System.Text;

namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// <c>MAX_ACTIVE_JOBS</c>: unfinished jobs in the whole service, whoever owns them. Past it an
/// initiate (or the old start call) is a 429 problem with <c>Retry-After</c>, nothing is stored for it,
/// not even its idempotency key, and a job that ends gives its place back.
/// </summary>
public sealed class ClusterCapTests(ClusterCapTests.Fixture fixture) : IClassFixture<ClusterCapTests.Fixture>
{
    private const int MaxActive = 3;

    /// <summary>About a minute of files: still running when the test is done with it.</summary>
    private static readonly int[] LongJob = TestData.AvailableIds(300);

    private GatewayHost Host => fixture.Host;

    [Fact]
    public async Task Past_the_cluster_cap_any_owner_gets_429_no_idempotency_key_is_kept_and_a_cancelled_job_frees_a_place()
    {
        var owners = Enumerable.Range(0, MaxActive).Select(_ => Host.Client(TestData.NewOwner("cluster-cap"))).ToList();
        var jobs = new List<string>();
        foreach (var owner in owners)
        {
            jobs.Add(await owner.StartJobAsync(LongJob));
        }

        var late = Host.Client(TestData.NewOwner("cluster-cap-late"));
        using (var refused = await InitiateAsync(late, "late-key"))
        {
            var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.TooManyRequests, $"a job past MAX_ACTIVE_JOBS={MaxActive}");
            Assert.Equal("Service at capacity", problem.GetProperty("title").GetString());
            Assert.Equal("10", Assert.Single(refused.Headers.GetValues("Retry-After")));
        }
        using (var refusedStart = await late.PostJsonAsync("/v1/download/start", """{"file_id":70000}"""))
        {
            await ProblemAssert.IsProblemAsync(refusedStart, HttpStatusCode.TooManyRequests, "the old start call past MAX_ACTIVE_JOBS");
            Assert.Equal("10", Assert.Single(refusedStart.Headers.GetValues("Retry-After")));
        }
        Assert.Equal(0, JsonElementExtensions.ParseJson(await late.GetStringAsync("/v1/download/jobs")).GetProperty("total").GetInt32());

        using (var cancelled = await owners[0].DeleteAsync($"/v1/download/{jobs[0]}"))
        {
            Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        }

        // The refused attempt did not claim the key: the same key now makes a real job, and keeps naming it.
        string? acceptedId = null;
        await Poll.UntilAsync(
            "an initiate to be accepted once a job was cancelled",
            TimeSpan.FromSeconds(10),
            async _ =>
            {
                using var response = await InitiateAsync(late, "late-key");
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    return false;
                }
                acceptedId = JsonElementExtensions.ParseJson(await response.Content.ReadAsStringAsync()).String("jobId");
                return true;
            },
            Host.Tail);
        var status = await late.StatusAsync(acceptedId!);
        Assert.Equal(acceptedId, status.String("jobId"));
        using (var repeated = await InitiateAsync(late, "late-key"))
        {
            Assert.Equal(HttpStatusCode.Accepted, repeated.StatusCode);
            Assert.Equal(acceptedId, JsonElementExtensions.ParseJson(await repeated.Content.ReadAsStringAsync()).String("jobId"));
        }

        // Full again.
        using (var full = await InitiateAsync(Host.Client(TestData.NewOwner("cluster-cap-later")), null))
        {
            await ProblemAssert.IsProblemAsync(full, HttpStatusCode.TooManyRequests, "the cap reached again");
        }
    }

    private static Task<HttpResponseMessage> InitiateAsync(HttpClient client, string? idempotencyKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/download/initiate")
        {
            Content = new StringContent(TestData.InitiateBody(LongJob), Encoding.UTF8, "application/json"),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return client.SendAsync(request);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private GatewayHost? _host;

        public GatewayHost Host => _host ?? throw new InvalidOperationException("Not started.");

        public async Task InitializeAsync() => _host = await GatewayHost.StartEmbeddedAsync(
            "api-cluster-cap",
            new Dictionary<string, string?>
            {
                ["MAX_ACTIVE_JOBS"] = MaxActive.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["DOWNLOAD_DELAY_MIN_MS"] = "300",
                ["DOWNLOAD_DELAY_MAX_MS"] = "400",
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
