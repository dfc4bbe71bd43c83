using System.Net;
using System.Text;

namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// Item 3 of issue 13 and the old service's contract: the API's path words are never job ids, a
/// wrong method on any route is a 405 problem with <c>Allow</c>, and with <c>CORS_ORIGINS=*</c> every
/// response carries <c>Access-Control-Allow-Origin: *</c>, with or without <c>Origin</c>.
/// </summary>
[Collection(SharedGatewayCollection.Name)]
public sealed class RoutingContractTests(SharedGatewayFixture fixture)
{
    private const string SomeJob = "0193a4b2-7c1d-7e8f-9a0b-1c2d3e4f5a6b";

    public static TheoryData<string, string, string> WrongMethods() => new()
    {
        // The old service's routes.
        { "GET", "/v1/download/check", "POST" },
        { "DELETE", "/v1/download/check", "POST" },
        { "PUT", "/v1/download/check", "POST" },
        { "GET", "/v1/download/start", "POST" },
        { "PATCH", "/v1/download/start", "POST" },
        { "GET", "/v1/download/initiate", "POST" },
        { "DELETE", "/v1/download/initiate", "POST" },
        { "POST", "/", "GET" },
        { "DELETE", "/", "GET" },
        { "POST", "/health", "GET" },
        // Ours.
        { "POST", "/health/live", "GET" },
        { "PUT", "/health/ready", "GET" },
        { "POST", "/v1/download/jobs", "GET" },
        { "DELETE", "/v1/download/jobs", "GET" },
        { "PUT", $"/v1/download/{SomeJob}", "DELETE, GET" },
        { "POST", $"/v1/download/{SomeJob}", "DELETE, GET" },
        { "POST", $"/v1/download/status/{SomeJob}", "GET" },
        { "DELETE", $"/v1/download/subscribe/{SomeJob}", "GET" },
        { "PUT", $"/v1/download/events/{SomeJob}", "GET" },
        { "POST", "/openapi/v1.json", "GET" },
    };

    [Theory]
    [MemberData(nameof(WrongMethods))]
    public async Task A_wrong_method_is_a_405_problem_with_allow(string method, string path, string allow)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new StringContent("{\"file_id\":70000}", Encoding.UTF8, "application/json");
        }

        using var response = await Client().SendAsync(request);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.Equal("Method Not Allowed", problem.String("title"));
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow.Order(StringComparer.Ordinal)));
        Assert.Equal("*", Header(response, "Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("/v1/download/status")]
    [InlineData("/v1/download/subscribe")]
    [InlineData("/v1/download/events")]
    [InlineData("/v1/download/status/check")]
    [InlineData("/v1/download/events/jobs")]
    [InlineData("/v1/download/subscribe/start")]
    [InlineData("/v1/download/status/INITIATE")]
    public async Task A_path_word_in_a_job_id_position_is_not_found_never_an_invalid_job_id(string path)
    {
        using var response = await Client().GetAsync(path);
        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
        Assert.Equal("Not Found", problem.String("title"));
    }

    [Theory]
    [InlineData("/v1/download/not-a-job")]
    [InlineData("/v1/download/status/not-a-job")]
    [InlineData("/v1/download/events/checks")]
    public async Task A_malformed_job_id_is_still_a_400_naming_job_id(string path)
    {
        using var response = await Client().GetAsync(path);
        var problem = await ProblemAssert.IsValidationProblemAsync(response, "jobId");
        Assert.Equal("Invalid job id", problem.String("title"));
    }

    [Theory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/health")]
    [InlineData("GET", "/health/ready")]
    [InlineData("GET", "/v1/download/jobs")]
    [InlineData("GET", "/no-such-route")]
    [InlineData("GET", "/v1/download/check")]
    [InlineData("POST", "/v1/download/initiate")]
    [InlineData("GET", "/openapi/v1.json")]
    [InlineData("GET", "/ui/")]
    public async Task With_cors_star_every_response_allows_any_origin_without_an_origin_header(string method, string path)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new StringContent("{\"file_ids\":\"nope\"}", Encoding.UTF8, "application/json");
        }

        using var response = await Client().SendAsync(request);
        Assert.False(request.Headers.Contains("Origin"));
        Assert.True(Header(response, "Access-Control-Allow-Origin") == "*", $"{method} {path} ({(int)response.StatusCode}) lacks Access-Control-Allow-Origin: *: {response.Headers}");

        using var withOrigin = new HttpRequestMessage(HttpMethod.Get, path);
        withOrigin.Headers.Add("Origin", "https://elsewhere.example");
        using var answered = await Client().SendAsync(withOrigin);
        Assert.Equal("*", Header(answered, "Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task With_listed_origins_only_a_listed_origin_is_allowed()
    {
        await using var host = await GatewayHost.StartEmbeddedAsync("hostile-cors-listed", new Dictionary<string, string?> { ["CORS_ORIGINS"] = "https://app.example" });
        using var client = host.Client();
        using var noOrigin = await client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, noOrigin.StatusCode);
        Assert.Null(Header(noOrigin, "Access-Control-Allow-Origin"));

        using var listed = new HttpRequestMessage(HttpMethod.Get, "/");
        listed.Headers.Add("Origin", "https://app.example");
        using var allowed = await client.SendAsync(listed);
        Assert.Equal("https://app.example", Header(allowed, "Access-Control-Allow-Origin"));

        using var other = new HttpRequestMessage(HttpMethod.Get, "/");
        other.Headers.Add("Origin", "https://evil.example");
        using var refused = await client.SendAsync(other);
        Assert.Null(Header(refused, "Access-Control-Allow-Origin"));
    }

    private HttpClient Client() => fixture.Host.Client(TestData.NewOwner("routing"));

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}
