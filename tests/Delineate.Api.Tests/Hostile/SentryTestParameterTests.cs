using System.Net;
using System.Text;

namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// Item 2 of issue 13: <c>?sentry_test=true</c> raises a test error only when
/// <c>SENTRY_TEST_ENABLED=true</c>; by default the parameter is ignored and the call is an ordinary check.
/// </summary>
[Collection(SharedGatewayCollection.Name)]
public sealed class SentryTestParameterTests(SharedGatewayFixture fixture)
{
    private const string Body = "{\"file_id\":70000}";
    private const string Expected = "{\"file_id\":70000,\"available\":true,\"s3Key\":\"downloads/70000.zip\",\"size\":14844}";

    [Theory]
    [InlineData("/v1/download/check?sentry_test=true")]
    [InlineData("/v1/download/check?sentry_test=TRUE")]
    [InlineData("/v1/download/check?sentry_test=true&sentry_test=true")]
    [InlineData("/v1/download/check")]
    public async Task By_default_the_parameter_is_ignored_and_the_check_answers(string path)
    {
        using var response = await fixture.Host.Client(TestData.NewOwner("sentry")).PostAsync(path, Json(Body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Expected, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Enabled_it_raises_the_test_error_as_a_500_problem_without_the_exception_text()
    {
        await using var host = await GatewayHost.StartEmbeddedAsync("hostile-sentry-enabled", new Dictionary<string, string?> { ["SENTRY_TEST_ENABLED"] = "true" });
        using var raised = await host.Client().PostAsync("/v1/download/check?sentry_test=true", Json(Body));
        var problem = await ProblemAssert.IsProblemAsync(raised, HttpStatusCode.InternalServerError);
        Assert.Equal("An unexpected error occurred; quote the requestId when reporting it.", problem.String("detail"));

        using var ordinary = await host.Client().PostAsync("/v1/download/check?sentry_test=false", Json(Body));
        Assert.Equal(HttpStatusCode.OK, ordinary.StatusCode);
        Assert.Equal(Expected, await ordinary.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_value_that_is_not_a_boolean_stops_the_gateway_naming_the_setting()
    {
        using var directory = TestDirectory.Create("hostile-sentry-bad");
        var line = await RefusedStart.ConfigurationErrorAsync(
            "gateway-sentry-bad", RepositoryLayout.GatewayDll,
            RefusedStart.EmbeddedGateway(new Dictionary<string, string?> { ["SENTRY_TEST_ENABLED"] = "maybe" }), directory);
        Assert.Equal("Configuration error: Failed to convert configuration value 'maybe' at 'SENTRY_TEST_ENABLED' to type 'System.Boolean'.", line);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
