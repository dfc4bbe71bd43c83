using System.Net;
using System.Text;

namespace Delineate.Drills.Tests.Regressions;

/// <summary>
/// Bug found by the short drill: while Redis is unreachable the gateway answers 500 (an unhandled
/// OrleansException "Error from storage provider …" or RedisRemindersException) where the client
/// did nothing wrong and a retry will succeed: that is a 503 with Retry-After, as the gateway
/// already answers when a silo is unreachable.
/// </summary>
[Collection(RegressionClusterCollection.Name)]
[Trait("Category", "Regression")]
public sealed class RedisOutageAnswerTests(RegressionCluster fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Initiate_and_status_while_Redis_is_down_answer_503_with_Retry_After()
    {
        await fixture.ResetAsync(output);
        var gateway = fixture.Cluster.Gateways[0].Current!.BaseAddress;
        await fixture.Cluster.Redis.StopAsync();
        try
        {
            using var initiate = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "/v1/download/initiate"))
            {
                Content = new StringContent("""{"file_ids":[70000,70007]}""", Encoding.UTF8, "application/json"),
            };
            var (initiateCode, initiateBody, initiateResponse) = await fixture.SendAsync(initiate);
            // A job id never seen before: its grain must read its state from Redis.
            using var status = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, $"/v1/download/status/{Guid.CreateVersion7()}"));
            var (statusCode, statusBody, statusResponse) = await fixture.SendAsync(status);
            output.WriteLine($"initiate: {(int)initiateCode} {initiateBody}\nstatus: {(int)statusCode} {statusBody}");

            Assert.True(initiateCode == HttpStatusCode.ServiceUnavailable && initiateResponse.Headers.RetryAfter is not null,
                $"initiate with Redis down answered {(int)initiateCode} (Retry-After: {initiateResponse.Headers.RetryAfter}), expected 503 with Retry-After: {initiateBody}");
            Assert.True(statusCode == HttpStatusCode.ServiceUnavailable && statusResponse.Headers.RetryAfter is not null,
                $"status of an unloaded job with Redis down answered {(int)statusCode} (Retry-After: {statusResponse.Headers.RetryAfter}), expected 503 with Retry-After: {statusBody}");
        }
        finally
        {
            await fixture.Cluster.Redis.StartAsync();
        }
    }
}
