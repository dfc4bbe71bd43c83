using System.Net;

namespace Delineate.Api.Tests;

/// <summary><c>/openapi/v1.json</c> describes every endpoint with its request and response schemas; <c>/docs</c> serves.</summary>
[Collection(SharedGatewayCollection.Name)]
public sealed class OpenApiTests(SharedGatewayFixture fixture, ITestOutputHelper output)
{
    private GatewayHost Host => fixture.Host;

    public static TheoryData<string, string, int[]> Operations() => new()
    {
        { "post", "/v1/download/initiate", [202, 400, 413, 415, 422, 429] },
        { "get", "/v1/download/status/{jobId}", [200, 400, 404] },
        { "get", "/v1/download/subscribe/{jobId}", [400, 404] },
        { "get", "/v1/download/events/{jobId}", [200, 400, 404] },
        { "get", "/v1/download/{jobId}", [302, 404, 409] },
        { "delete", "/v1/download/{jobId}", [200, 204, 400, 404, 409] },
        { "post", "/v1/download/{jobId}/retry", [202, 400, 404, 409, 429] },
        { "get", "/v1/download/jobs", [200, 400] },
        { "post", "/v1/download/check", [200, 400, 413, 415] },
        { "post", "/v1/download/start", [200, 202, 400, 413, 415] },
        { "get", "/v1/blobs/{key}", [200, 403] },
    };

    [Theory]
    [MemberData(nameof(Operations))]
    public async Task Every_endpoint_is_described_with_its_responses(string method, string path, int[] statuses)
    {
        var document = await DocumentAsync();
        var paths = document.Field("paths");
        Assert.True(paths.TryGetProperty(path, out var item), $"{path} is not in the document; paths: {string.Join(", ", paths.EnumerateObject().Select(p => p.Name))}");
        Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path} is not in the document: {item.GetRawText()}");
        var responses = operation.Field("responses");
        foreach (var status in statuses)
        {
            Assert.True(responses.TryGetProperty(status.ToString(System.Globalization.CultureInfo.InvariantCulture), out _),
                $"{method} {path} does not list a {status} response; it lists {string.Join(", ", responses.EnumerateObject().Select(r => r.Name))}");
        }

        var withBody = new[] { 200, 202 }.Where(s => statuses.Contains(s) && !(method == "get" && path.Contains("events", StringComparison.Ordinal)));
        foreach (var status in withBody)
        {
            var schema = SchemaOf(responses.Field(status.ToString(System.Globalization.CultureInfo.InvariantCulture)), document);
            Assert.True(schema is not null, $"{method} {path} {status} has no response schema: {responses.GetRawText()}");
        }

        foreach (var status in statuses.Where(s => s >= 400))
        {
            var response = responses.Field(status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.True(
                response.TryGetProperty("content", out var content) && content.TryGetProperty("application/problem+json", out _),
                $"{method} {path} {status} should be described as application/problem+json: {response.GetRawText()}");
        }
    }

    [Fact]
    public async Task The_health_endpoints_and_the_root_are_described()
    {
        var paths = (await DocumentAsync()).Field("paths");
        var missing = new[] { "/", "/health", "/health/live", "/health/ready" }
            .Where(path => !(paths.TryGetProperty(path, out var item) && item.TryGetProperty("get", out _)))
            .ToList();
        Assert.True(missing.Count == 0, $"GET {string.Join(", GET ", missing)} (README's API table) missing from the document");
    }

    [Fact]
    public async Task The_document_describes_the_api_and_not_the_dashboards_internals()
    {
        var paths = (await DocumentAsync()).Field("paths").EnumerateObject().Select(p => p.Name).ToList();
        var foreign = paths.Where(p => p.StartsWith("/dashboard", StringComparison.OrdinalIgnoreCase)).ToList();
        Assert.True(foreign.Count == 0, $"the public API document lists {foreign.Count} Orleans Dashboard routes: {string.Join(", ", foreign)}");
    }

    [Fact]
    public async Task Initiate_documents_its_request_body_with_file_ids()
    {
        var document = await DocumentAsync();
        var operation = document.Field("paths").Field("/v1/download/initiate").Field("post");
        var content = operation.Field("requestBody").Field("content");
        Assert.True(content.TryGetProperty("application/json", out var json), $"the request body is not application/json: {content.GetRawText()}");
        var schema = Resolve(json.Field("schema"), document);
        var properties = schema.Field("properties");
        Assert.True(properties.TryGetProperty("file_ids", out var fileIds), $"the request schema has no file_ids: {schema.GetRawText()}");
        Assert.Contains("array", fileIds.Field("type").ValueKind == JsonValueKind.Array
            ? fileIds.Field("type").EnumerateArray().Select(t => t.GetString()).ToArray()
            : [fileIds.Field("type").GetString()]);
        output.WriteLine(schema.GetRawText());

        foreach (var path in new[] { "/v1/download/check", "/v1/download/start" })
        {
            var single = Resolve(document.Field("paths").Field(path).Field("post").Field("requestBody").Field("content").Field("application/json").Field("schema"), document);
            Assert.True(single.Field("properties").TryGetProperty("file_id", out _), $"{path}'s request schema has no file_id: {single.GetRawText()}");
        }
    }

    [Fact]
    public async Task Initiates_202_schema_names_the_job_urls()
    {
        var document = await DocumentAsync();
        var response = document.Field("paths").Field("/v1/download/initiate").Field("post").Field("responses").Field("202");
        var schema = Resolve(SchemaOf(response, document)!.Value, document);
        var properties = schema.Field("properties");
        foreach (var name in new[] { "jobId", "status", "totalFileIds", "statusUrl", "subscribeUrl", "eventsUrl" })
        {
            Assert.True(properties.TryGetProperty(name, out _), $"the 202 schema lacks {name}: {schema.GetRawText()}");
        }
    }

    [Fact]
    public async Task Docs_serve_an_html_page()
    {
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = true, UseProxy = false }) { BaseAddress = Host.BaseAddress };
        using var response = await client.GetAsync("/docs");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/docs answered {(int)response.StatusCode} at {response.RequestMessage?.RequestUri}");
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<html", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("openapi/v1.json", text, StringComparison.OrdinalIgnoreCase);
    }

    private async Task<JsonElement> DocumentAsync()
    {
        using var response = await Host.Client().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonElementExtensions.ParseJson(await response.Content.ReadAsStringAsync());
    }

    private static JsonElement? SchemaOf(JsonElement response, JsonElement document)
    {
        if (!response.TryGetProperty("content", out var content))
        {
            return null;
        }

        foreach (var media in content.EnumerateObject())
        {
            if (media.Value.TryGetProperty("schema", out var schema))
            {
                return Resolve(schema, document);
            }
        }

        return null;
    }

    private static JsonElement Resolve(JsonElement schema, JsonElement document)
    {
        while (schema.TryGetProperty("$ref", out var reference))
        {
            var node = document;
            foreach (var part in reference.GetString()!.TrimStart('#', '/').Split('/'))
            {
                node = node.Field(part.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal));
            }

            schema = node;
        }

        return schema;
    }
}
