namespace Delineate.Api.Tests;

/// <summary>A service without <c>WEBHOOK_SECRET</c> sends no webhooks: a callback_url is a 400 naming it, not a job that never calls back.</summary>
[Collection(SharedGatewayCollection.Name)]
public sealed class WebhookDisabledTests(SharedGatewayFixture fixture)
{
    [Fact]
    public async Task A_callback_url_is_refused_when_no_webhook_secret_is_set()
    {
        var client = fixture.Host.Client(TestData.NewOwner("webhook-off"));

        using var response = await client.PostJsonAsync("/v1/download/initiate", """{"file_ids":[70000],"callback_url":"https://example.com/hooks"}""");

        var problem = await ProblemAssert.IsValidationProblemAsync(response, "callback_url");
        Assert.Contains("WEBHOOK_SECRET", problem.Field("errors").Field("callback_url")[0].GetString());
    }
}
