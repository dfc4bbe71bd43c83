using System.Net;
using Delineate.Drills.Tests.Health;

namespace Delineate.Drills.Tests.Regressions;

/// <summary>
/// Bug found by the drills' health sampling: with Redis down (grain state, reminders and membership
/// all live there) every silo's /health/ready keeps answering 200 {"storage":"ok"}: no check
/// covers Redis. The gateways turn 503 only indirectly, through their "cluster" check.
/// </summary>
[Collection(RegressionClusterCollection.Name)]
[Trait("Category", "Regression")]
public sealed class RedisHealthTests(RegressionCluster fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Readiness_of_every_silo_and_gateway_reports_a_Redis_outage_and_recovers()
    {
        await fixture.ResetAsync(output);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var services = fixture.Cluster.AllServices.Select(s => (s.Name, s.Current!.BaseAddress)).ToList();
        var answers = services.ToDictionary(s => s.Name, _ => "");

        await fixture.Cluster.Redis.StopAsync();
        var unhealthy = new Dictionary<string, string>();
        try
        {
            try
            {
                await Poll.UntilAsync(
                    "every silo and gateway to answer 503 on /health/ready naming a failing check",
                    TimeSpan.FromSeconds(20),
                    async ct =>
                    {
                        foreach (var (name, address) in services.Where(s => !unhealthy.ContainsKey(s.Name)))
                        {
                            var (code, body) = await ReadyAsync(http, address, ct);
                            answers[name] = $"{(int)code} {body}";
                            if (code == HttpStatusCode.ServiceUnavailable && HealthMonitor.FailingChecks(body).Count > 0)
                            {
                                unhealthy[name] = body;
                            }
                        }

                        return unhealthy.Count == services.Count;
                    },
                    interval: TimeSpan.FromMilliseconds(500));
            }
            catch (TimeoutException)
            {
                // Reported below with every answer.
            }

            output.WriteLine($"readiness with Redis down: {string.Join("; ", answers.Select(a => $"{a.Key}: {a.Value}"))}");
            Assert.True(unhealthy.Count == services.Count,
                $"with Redis down these still answer ready: {string.Join("; ", answers.Where(a => !unhealthy.ContainsKey(a.Key)).Select(a => $"{a.Key} {a.Value}"))}");
        }
        finally
        {
            await fixture.Cluster.Redis.StartAsync();
        }

        await Poll.UntilAsync(
            "every silo and gateway to answer 200 on /health/ready again after Redis came back",
            TimeSpan.FromSeconds(30),
            async ct =>
            {
                foreach (var (name, address) in services)
                {
                    var (code, body) = await ReadyAsync(http, address, ct);
                    answers[name] = $"{(int)code} {body}";
                }

                return answers.Values.All(a => a.StartsWith("200", StringComparison.Ordinal));
            },
            () => string.Join("; ", answers.Select(a => $"{a.Key}: {a.Value}")),
            TimeSpan.FromMilliseconds(500));
    }

    private static async Task<(HttpStatusCode Code, string Body)> ReadyAsync(HttpClient http, Uri address, CancellationToken ct)
    {
        using var response = await http.GetAsync(new Uri(address, "/health/ready"), ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }
}
