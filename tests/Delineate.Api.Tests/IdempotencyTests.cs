using System.Net;
using System.Text;

namespace Delineate.Api.Tests;

/// <summary>An <c>Idempotency-Key</c> makes a retried initiate return the same job, even when the retries race.</summary>
[Collection(SharedGatewayCollection.Name)]
public sealed class IdempotencyTests(SharedGatewayFixture fixture, ITestOutputHelper output)
{
    private GatewayHost Host => fixture.Host;

    [Fact]
    public async Task Twenty_concurrent_identical_requests_create_one_job()
    {
        var owner = TestData.NewOwner("idem-race");
        var key = Guid.NewGuid().ToString();
        var clients = Enumerable.Range(0, 20).Select(_ => Host.Client(owner)).ToList();
        var start = new TaskCompletionSource();
        var requests = clients.Select(async client =>
        {
            await start.Task;
            using var request = Initiate(TestData.InitiateBody([70000, 70007, 70014]), key);
            using var response = await client.SendAsync(request);
            return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
        }).ToList();
        start.SetResult();
        var answers = await Task.WhenAll(requests);
        output.WriteLine(string.Join('\n', answers.Select(a => $"{a.Item1} {a.Item2}")));

        Assert.All(answers, a => Assert.True(a.Item1 == 202, $"expected 202 for every duplicate, got {a.Item1}: {a.Item2}"));
        var jobIds = answers.Select(a => JsonElementExtensions.ParseJson(a.Item2).String("jobId")).Distinct().ToList();
        Assert.Single(jobIds);

        using var list = await clients[0].GetAsync("/v1/download/jobs");
        var jobs = JsonElementExtensions.ParseJson(await list.Content.ReadAsStringAsync());
        Assert.Equal(jobIds, jobs.Array("jobs").Select(j => j.String("jobId")).ToList());
        Assert.Equal(1, jobs.Long("total"));
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_a_422_problem()
    {
        var client = Host.Client(TestData.NewOwner("idem-mismatch"));
        var key = Guid.NewGuid().ToString();
        var first = await client.InitiateAsync([70000], key);

        using var response = await client.SendAsync(Initiate(TestData.InitiateBody([70007]), key));
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, "same key, different body");

        // The original is untouched and still answers to its key.
        var again = await client.InitiateAsync([70000], key);
        Assert.Equal(first.String("jobId"), again.String("jobId"));
    }

    [Fact]
    public async Task A_retry_after_the_job_finished_returns_the_same_job()
    {
        var client = Host.Client(TestData.NewOwner("idem-late"));
        var key = Guid.NewGuid().ToString();
        var first = await client.InitiateAsync([70000], key);
        await client.WaitForTerminalAsync(first.String("jobId"), TimeSpan.FromSeconds(60), Host.Tail);
        var again = await client.InitiateAsync([70000], key);
        Assert.Equal(first.String("jobId"), again.String("jobId"));
    }

    [Fact]
    public async Task Different_keys_make_different_jobs_and_no_key_always_makes_a_new_one()
    {
        var client = Host.Client(TestData.NewOwner("idem-distinct"));
        var a = await client.InitiateAsync([70000], Guid.NewGuid().ToString());
        var b = await client.InitiateAsync([70000], Guid.NewGuid().ToString());
        var c = await client.InitiateAsync([70000]);
        var d = await client.InitiateAsync([70000]);
        Assert.Equal(4, new[] { a, b, c, d }.Select(x => x.String("jobId")).Distinct().Count());
    }

    [Fact]
    public async Task Racing_requests_with_one_key_and_two_bodies_make_one_job_and_422s_never_a_409_or_500()
    {
        var owner = TestData.NewOwner("idem-mixed");
        var key = Guid.NewGuid().ToString();
        var start = new TaskCompletionSource();
        var requests = Enumerable.Range(0, 20).Select(async i =>
        {
            var client = Host.Client(owner);
            await start.Task;
            using var response = await client.SendAsync(Initiate(TestData.InitiateBody(i % 2 == 0 ? [70000] : [70007]), key));
            return (Body: i % 2, Status: (int)response.StatusCode, Text: await response.Content.ReadAsStringAsync());
        }).ToList();
        start.SetResult();
        var answers = await Task.WhenAll(requests);
        output.WriteLine(string.Join('\n', answers.Select(a => $"body {a.Body}: {a.Status} {a.Text}")));

        Assert.All(answers, a => Assert.True(a.Status is 202 or 422, $"expected 202 or 422, got {a.Status}: {a.Text}"));
        var winners = answers.Where(a => a.Status == 202).ToList();
        Assert.NotEmpty(winners);
        Assert.Single(winners.Select(a => a.Body).Distinct());
        Assert.Single(winners.Select(a => JsonElementExtensions.ParseJson(a.Text).String("jobId")).Distinct());
        Assert.All(answers.Where(a => a.Body != winners[0].Body), a => Assert.Equal(422, a.Status));
    }

    [Fact]
    public async Task Keys_are_per_owner_even_when_owner_and_key_share_a_slash()
    {
        // Owner "o" with key "x/k" and owner "o/x" with key "k" are two owners with two keys.
        var owner = TestData.NewOwner("idem-slash");
        var first = await Host.Client(owner).InitiateAsync([70000], "x/k");
        var other = Host.Client($"{owner}/x");

        using (var sameBody = await other.SendAsync(Initiate(TestData.InitiateBody([70000]), "k")))
        {
            var text = await sameBody.Content.ReadAsStringAsync();
            Assert.True(sameBody.StatusCode == HttpStatusCode.Accepted, $"{(int)sameBody.StatusCode}: {text}");
            var jobId = JsonElementExtensions.ParseJson(text).String("jobId");
            Assert.True(jobId != first.String("jobId"), $"owner '{owner}/x' with key 'k' was handed job {jobId} of owner '{owner}' (key 'x/k')");
        }

        // Nor can one owner's key make another owner's request a 422.
        await Host.Client(owner).InitiateAsync([70000], "x/m");
        using var otherBody = await other.SendAsync(Initiate(TestData.InitiateBody([70007]), "m"));
        var otherText = await otherBody.Content.ReadAsStringAsync();
        Assert.True(otherBody.StatusCode == HttpStatusCode.Accepted, $"owner '{owner}/x' with its own key 'm' got {(int)otherBody.StatusCode}: {otherText}");
    }

    [Theory]
    [InlineData(256)]
    [InlineData(5000)]
    public async Task An_overlong_idempotency_key_is_a_400_naming_the_header(int length)
    {
        var client = Host.Client(TestData.NewOwner("idem-long"));
        using var response = await client.SendAsync(Initiate(TestData.InitiateBody([70000]), new string('k', length)));
        await ProblemAssert.IsValidationProblemAsync(response, "Idempotency-Key", $"a {length}-character key");
    }

    private static HttpRequestMessage Initiate(string body, string key)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/download/initiate")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }
}
