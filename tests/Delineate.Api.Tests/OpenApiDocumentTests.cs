using System.Net;
using System.Text.Json.Nodes;

namespace Delineate.Api.Tests;

/// <summary>
/// docs/openapi.json, the committed OpenAPI document, is what a running gateway serves at
/// <c>/openapi/v1.json</c>: a change to the API that is not regenerated and committed fails here.
/// </summary>
[Collection(SharedGatewayCollection.Name)]
public sealed class OpenApiDocumentTests(SharedGatewayFixture fixture, ITestOutputHelper output)
{
    public const string CommittedPath = "docs/openapi.json";
    private const string Regenerate = "run scripts/openapi.sh (it builds src/Gateway with -p:GenerateOpenApiDocument=true) and commit docs/openapi.json";

    [Fact]
    public async Task The_committed_document_matches_the_one_the_gateway_serves()
    {
        var path = Path.Combine(RepositoryLayout.Root, CommittedPath);
        Assert.True(File.Exists(path), $"{CommittedPath} is missing: {Regenerate}.");
        var committed = Normalize(JsonNode.Parse(await File.ReadAllTextAsync(path))!);

        using var response = await fixture.Host.Client().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var served = Normalize(JsonNode.Parse(await response.Content.ReadAsStringAsync())!);

        var difference = FirstDifference(committed, served, "$");
        Assert.True(difference is null, $"{CommittedPath} has drifted from the running gateway's /openapi/v1.json at {difference}: {Regenerate}.");
    }

    [Fact]
    public async Task The_committed_document_declares_the_completion_webhook_and_the_operator_actions()
    {
        var document = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryLayout.Root, CommittedPath)))!;
        Assert.StartsWith("3.1", document["openapi"]!.GetValue<string>(), StringComparison.Ordinal);
        var webhook = document["webhooks"]?["jobFinished"]?["post"];
        Assert.True(webhook is not null, $"no webhooks.jobFinished.post in {CommittedPath}");
        var parameters = webhook!["parameters"]!.AsArray();
        Assert.Contains(parameters, p => p!["name"]!.GetValue<string>() == "Delineate-Signature" && p["in"]!.GetValue<string>() == "header");
        var reference = webhook["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>();
        var schema = document["components"]!["schemas"]![reference.Split('/')[^1]]!;
        var properties = schema["properties"]!.AsObject().Select(p => p.Key).ToHashSet();
        output.WriteLine(schema.ToJsonString());
        foreach (var name in new[] { "type", "jobId", "status", "seq", "at", "progress", "result" })
        {
            Assert.True(properties.Contains(name), $"the webhook payload schema lacks {name}: {schema.ToJsonString()}");
        }

        Assert.NotNull(document["paths"]?["/v1/download/{jobId}/retry"]?["post"]);
        Assert.NotNull(document["paths"]?["/v1/download/{jobId}"]?["delete"]?["responses"]?["204"]);
    }

    /// <summary>The servers block names the address the document was fetched from; nothing else may differ.</summary>
    private static JsonNode Normalize(JsonNode document)
    {
        document.AsObject().Remove("servers");
        return document;
    }

    /// <summary>The JSON path of the first difference, or null when the two are equal.</summary>
    private static string? FirstDifference(JsonNode? expected, JsonNode? actual, string path)
    {
        switch (expected, actual)
        {
            case (null, null):
                return null;
            case (JsonObject e, JsonObject a):
                foreach (var name in e.Select(p => p.Key).Union(a.Select(p => p.Key)))
                {
                    if (!e.ContainsKey(name) || !a.ContainsKey(name))
                    {
                        return $"{path}.{name} ({(e.ContainsKey(name) ? "only in the committed file" : "only in the served document")})";
                    }

                    if (FirstDifference(e[name], a[name], $"{path}.{name}") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            case (JsonArray e, JsonArray a):
                for (var i = 0; i < Math.Max(e.Count, a.Count); i++)
                {
                    if (i >= e.Count || i >= a.Count)
                    {
                        return $"{path}[{i}] (the arrays differ in length: {e.Count} committed, {a.Count} served)";
                    }

                    if (FirstDifference(e[i], a[i], $"{path}[{i}]") is { } inner)
                    {
                        return inner;
                    }
                }

                return null;
            default:
                return JsonNode.DeepEquals(expected, actual)
                    ? null
                    : $"{path} (committed {expected?.ToJsonString() ?? "null"}, served {actual?.ToJsonString() ?? "null"})";
        }
    }
}
