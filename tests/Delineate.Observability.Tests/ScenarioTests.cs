using System.Net;

namespace Delineate.Observability.Tests;

/// <summary>
/// The shared scenario did what the other tests rely on: every job ended the way its path needs
/// (so a metric, log line, span or Sentry event can be traced to the job that made it), and the
/// progress was followed over both transports.
/// </summary>
[Collection(ObservedClusterCollection.Name)]
public sealed class ScenarioTests(ObservedCluster cluster, ITestOutputHelper output)
{
    [Fact]
    public void Every_job_of_the_scenario_ended_the_way_its_path_needs()
    {
        output.WriteLine(cluster.Timeline);
        var jobs = cluster.Jobs;
        Assert.Equal(JobStatuses.Completed, jobs["websocket"].Status);
        Assert.Equal(JobStatuses.Completed, jobs["sse"].Status);

        Assert.Equal(JobStatuses.Completed, jobs["missing"].Status);
        Assert.Equal(1, jobs["missing"].FinalStatus.Long("filesMissing"));

        Assert.Equal(JobStatuses.Failed, jobs["all-missing"].Status);

        Assert.Equal(HttpStatusCode.OK, cluster.CancelAnswer.Status);
        Assert.Equal(JobStatuses.Cancelled, jobs["cancelled"].Status);

        Assert.Equal(JobStatuses.Completed, jobs["retried"].Status);
        Assert.Equal(1, jobs["retried"].FinalStatus.Long("filesFailed"));
        var lookups = cluster.Proxy.Injected.Count(r => r.StartsWith($"HEAD /downloads/downloads/{ObservedCluster.PoisonedFile}.zip", StringComparison.Ordinal));
        Assert.True(lookups > 1, $"the poisoned file was looked up {lookups} time(s); retries need more than one");

        Assert.Equal(JobStatuses.Failed, jobs["fatal"].Status);
        Assert.Equal(JobStatuses.Completed, jobs["failover"].Status);
    }

    [Fact]
    public void Progress_was_followed_to_the_end_over_WebSocket_and_over_SSE()
    {
        var socket = cluster.WebSocketTranscript;
        Assert.True(socket.Messages.Count >= 2, $"WebSocket: {socket}");
        Assert.Equal("completed", socket.Messages[^1].String("type"));
        Assert.Equal(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, socket.CloseStatus);

        var sse = cluster.SseEvents;
        Assert.True(sse.Count >= 2, $"SSE: {string.Join('\n', sse.Select(e => e.GetRawText()))}");
        Assert.Equal("completed", sse[^1].String("type"));
    }
}
