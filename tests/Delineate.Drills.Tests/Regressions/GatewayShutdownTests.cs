using System.Net.WebSockets;

namespace Delineate.Drills.Tests.Regressions;

/// <summary>
/// SIGTERM of a gateway while clients follow jobs through it: each WebSocket gets a close frame
/// with 1001 (going away) promptly, so the client resumes on another gateway with ?after=SEQ and
/// sees the rest without repeats; the gateway then exits by itself. Found by the long drill: no
/// code path closes the relays on shutdown (nothing in src/Gateway watches ApplicationStopping).
/// </summary>
[Collection(RegressionClusterCollection.Name)]
[Trait("Category", "Regression")]
public sealed class GatewayShutdownTests(RegressionCluster fixture, ITestOutputHelper output)
{
    private const int Subscribers = 3;
    private static readonly TimeSpan CloseWithin = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task SIGTERM_of_a_gateway_closes_its_WebSockets_with_1001_and_they_resume_on_the_other()
    {
        await fixture.ResetAsync(output);
        var leaving = fixture.Cluster.Gateways[0];
        var staying = fixture.Cluster.Gateways[1].Current!.BaseAddress;
        var job = await fixture.InitiateAsync(RegressionCluster.Files(150, offset: 300));
        var subscribers = new List<SocketSubscriber>();
        try
        {
            for (var i = 0; i < Subscribers; i++)
            {
                subscribers.Add(await SocketSubscriber.ConnectAsync(leaving.Current!.BaseAddress, job.JobId!, job.Owner));
            }

            await Poll.UntilAsync("every subscriber to have had two events", TimeSpan.FromSeconds(30),
                _ => Task.FromResult(subscribers.All(s => s.Messages.Count >= 2)));

            var sigterm = DateTimeOffset.UtcNow;
            var stop = fixture.Cluster.StopGracefullyAsync(leaving, TimeSpan.FromSeconds(45));
            var (graceful, took, _, exitCode) = await stop;
            await Task.WhenAny(Task.WhenAll(subscribers.Select(s => s.Finished)), Task.Delay(TimeSpan.FromSeconds(2)));
            var ends = subscribers.Select(s => $"{s.End} after {((s.EndedAt ?? DateTimeOffset.UtcNow) - sigterm).TotalSeconds:F1} s").ToList();
            output.WriteLine($"after SIGTERM: sockets {string.Join("; ", ends)}; the gateway exited {(graceful ? "by itself" : "only after SIGKILL")} after {took.TotalSeconds:F1} s (code {exitCode})");

            Assert.True(
                subscribers.All(s => s.CloseStatus == WebSocketCloseStatus.EndpointUnavailable && s.EndedAt - sigterm <= CloseWithin),
                $"every WebSocket should get close 1001 within {CloseWithin.TotalSeconds:F0} s of SIGTERM; got: {string.Join("; ", ends)}");
            Assert.True(graceful && took <= ExitWithin, $"the gateway should exit by itself within {ExitWithin.TotalSeconds:F0} s of SIGTERM; it took {took.TotalSeconds:F1} s (graceful: {graceful})");

            // Resume on the other gateway: no repeats, the rest of the events, the end.
            foreach (var before in subscribers)
            {
                using var resumed = await SocketSubscriber.ConnectAsync(staying, job.JobId!, job.Owner, before.LastSeq);
                await resumed.Finished.WaitAsync(TimeSpan.FromSeconds(90));
                var seqs = before.Messages.Concat(resumed.Messages).Select(m => m.Long("seq")).ToList();
                Assert.True(seqs.Zip(seqs.Skip(1)).All(p => p.Second > p.First), $"seq not strictly increasing across the resume: {string.Join(',', seqs)}");
                Assert.Equal(WebSocketCloseStatus.NormalClosure, resumed.CloseStatus);
                Assert.Equal(JobStatuses.Completed, resumed.Messages[^1].String("type"));
            }
        }
        finally
        {
            subscribers.ForEach(s => s.Dispose());
        }
    }
}
