using System.Net;
using System.Text;

namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// <c>Auth:Mode</c> apikey, as an owner trying every way into another owner's job: every route, with
/// resume parameters, other spellings of the id, the none mode's header, and a reused idempotency
/// key. Each answer is the 404 of a job that does not exist, word for word, and the job is untouched.
/// </summary>
public sealed class CrossOwnerTests(CrossOwnerTests.Fixture fixture) : IClassFixture<CrossOwnerTests.Fixture>
{
    private const string AliceKey = "cross-owner-alice-key-0123456789";
    private const string MalloryKey = "cross-owner-mallory-key-0123456789";

    private GatewayHost Host => fixture.Host;

    [Fact]
    public async Task Every_route_answers_another_owners_job_with_the_404_of_a_missing_one()
    {
        var alice = WithKey(AliceKey);
        var mallory = WithKey(MalloryKey);
        using var initiate = new HttpRequestMessage(HttpMethod.Post, "/v1/download/initiate")
        {
            Content = new StringContent(TestData.InitiateBody(TestData.AvailableIds(200)), Encoding.UTF8, "application/json"),
            Headers = { { "Idempotency-Key", "shared-key" } },
        };
        using var accepted = await alice.SendAsync(initiate);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var jobId = JsonElementExtensions.ParseJson(await accepted.Content.ReadAsStringAsync()).String("jobId");
        var missing = Guid.CreateVersion7().ToString();

        using var missingAnswer = await mallory.GetAsync($"/v1/download/status/{missing}");
        var expected = await ProblemAssert.IsProblemAsync(missingAnswer, HttpStatusCode.NotFound, "a job that does not exist");

        var spellings = new[] { jobId, jobId.ToUpperInvariant() };
        foreach (var id in spellings)
        {
            foreach (var (method, path, header) in new (HttpMethod, string, (string, string)?)[]
            {
                (HttpMethod.Get, $"/v1/download/status/{id}", null),
                (HttpMethod.Get, $"/v1/download/events/{id}", null),
                (HttpMethod.Get, $"/v1/download/events/{id}?after=0", null),
                (HttpMethod.Get, $"/v1/download/events/{id}", ("Last-Event-ID", "0")),
                (HttpMethod.Get, $"/v1/download/subscribe/{id}", null),
                (HttpMethod.Get, $"/v1/download/subscribe/{id}?after=0", null),
                (HttpMethod.Get, $"/v1/download/{id}", null),
                (HttpMethod.Delete, $"/v1/download/{id}", null),
                (HttpMethod.Get, $"/v1/download/status/{id}", ("X-User-Id", "alice")),
            })
            {
                using var request = new HttpRequestMessage(method, path);
                if (header is var (name, value))
                {
                    request.Headers.Add(name, value);
                }
                using var response = await mallory.SendAsync(request);
                var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, $"mallory: {method} {path}");
                Assert.Equal(expected.String("title"), problem.String("title"));
                Assert.Equal(expected.String("detail"), problem.String("detail"));
            }
            var handshake = await EventSocket.HandshakeStatusAsync(Host.BaseAddress, id, EventSocket.HeadersOf(mallory));
            Assert.True(handshake == HttpStatusCode.NotFound, $"mallory's WebSocket to {id} answered {(int)handshake}, expected 404");
        }

        // The same idempotency key is mallory's own: it makes her a job of her own, never names alice's.
        using var reuse = new HttpRequestMessage(HttpMethod.Post, "/v1/download/initiate")
        {
            Content = new StringContent(TestData.InitiateBody(TestData.AvailableIds(200)), Encoding.UTF8, "application/json"),
            Headers = { { "Idempotency-Key", "shared-key" } },
        };
        using var reused = await mallory.SendAsync(reuse);
        Assert.Equal(HttpStatusCode.Accepted, reused.StatusCode);
        Assert.NotEqual(jobId, JsonElementExtensions.ParseJson(await reused.Content.ReadAsStringAsync()).String("jobId"));
        var listed = JsonElementExtensions.ParseJson(await mallory.GetStringAsync("/v1/download/jobs"));
        Assert.DoesNotContain(jobId, listed.GetProperty("jobs").EnumerateArray().Select(j => j.String("jobId")));

        // Nothing mallory did reached the job: alice's job was not cancelled.
        Assert.NotEqual("cancelled", (await alice.StatusAsync(jobId)).String("status"));
        using var cancel = await alice.DeleteAsync($"/v1/download/{jobId}");
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
    }

    private HttpClient WithKey(string key)
    {
        var client = Host.Client();
        client.DefaultRequestHeaders.Add("X-API-Key", key);
        return client;
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private GatewayHost? _host;

        public GatewayHost Host => _host ?? throw new InvalidOperationException("Not started.");

        public async Task InitializeAsync() => _host = await GatewayHost.StartEmbeddedAsync("api-cross-owner", new Dictionary<string, string?>
        {
            ["Auth__Mode"] = "apikey",
            ["Auth__ApiKeys"] = $"{AliceKey}=alice;{MalloryKey}=mallory",
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
