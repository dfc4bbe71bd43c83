using System.Net;

namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// Item 4 of issue 13: in <c>apikey</c> mode the OpenAPI document declares the <c>X-API-Key</c>
/// header scheme and every job operation requires it; health, root and blob links do not.
/// </summary>
public sealed class OpenApiSecurityTests(ApiKeyGatewayFixture apiKey, SharedGatewayFixture shared)
    : IClassFixture<ApiKeyGatewayFixture>, IClassFixture<SharedGatewayFixture>
{
    [Fact]
    public async Task Apikey_mode_declares_the_x_api_key_header_scheme()
    {
        var document = await DocumentAsync(apiKey.Host);
        var scheme = document.Field("components").Field("securitySchemes").Field("ApiKey");
        Assert.Equal("apiKey", scheme.String("type"));
        Assert.Equal("X-API-Key", scheme.String("name"));
        Assert.Equal("header", scheme.String("in"));
    }

    [Fact]
    public async Task Every_job_operation_requires_the_scheme_and_the_open_ones_do_not()
    {
        var paths = (await DocumentAsync(apiKey.Host)).Field("paths");
        var checkedOperations = 0;
        foreach (var path in paths.EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var requires = operation.Value.TryGetProperty("security", out var security)
                    && security.EnumerateArray().Any(r => r.TryGetProperty("ApiKey", out var scopes) && scopes.GetArrayLength() == 0);
                var isJobApi = path.Name.StartsWith("/v1/download/", StringComparison.Ordinal);
                Assert.True(requires == isJobApi, $"{operation.Name} {path.Name}: security should {(isJobApi ? "" : "not ")}name ApiKey: {operation.Value.GetRawText()}");
                checkedOperations++;
            }
        }

        // 9 job operations, 3 health, the root, blobs.
        Assert.True(checkedOperations >= 14, $"only {checkedOperations} operations in the document");
    }

    [Fact]
    public async Task None_mode_declares_no_scheme()
    {
        var document = await DocumentAsync(shared.Host);
        var hasScheme = document.TryGetProperty("components", out var components)
            && components.TryGetProperty("securitySchemes", out var schemes)
            && schemes.TryGetProperty("ApiKey", out _);
        Assert.False(hasScheme, "Auth:Mode none needs no key, so the document should declare none");
    }

    private static async Task<JsonElement> DocumentAsync(GatewayHost host)
    {
        using var response = await host.Client().GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonElementExtensions.ParseJson(await response.Content.ReadAsStringAsync());
    }
}
