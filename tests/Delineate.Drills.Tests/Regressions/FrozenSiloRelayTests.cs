using System.Diagnostics;
using System.Net.WebSockets;

namespace Delineate.Drills.Tests.Regressions;

/// <summary>
/// Bug found by the short drill (12 follower connections aborted): when a status call made by the
/// progress relay fails because a silo is unreachable (TimeoutException after the 10 s response
/// timeout, OrleansMessageRejectionException…), JobEventRelay.RelayAsync lets it escape: the
/// WebSocket is torn down without a close frame (SSE: the response is aborted) and ASP.NET logs an
/// unhandled exception, although the job itself moves to another silo and goes on. A hung silo
/// (SIGSTOP) makes it repeatable.
/// </summary>
[Collection(RegressionClusterCollection.Name)]
[Trait("Category", "Regression")]
public sealed class FrozenSiloRelayTests(RegressionCluster fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_follower_of_a_job_on_a_hung_silo_keeps_its_socket_and_sees_the_end()
    {
        await fixture.ResetAsync(output);
        var gateway = fixture.Cluster.Gateways[0].Current!.BaseAddress;
        var job = await fixture.InitiateAsync(RegressionCluster.Files(120, offset: 150));
        using var subscriber = await SocketSubscriber.ConnectAsync(gateway, job.JobId!, job.Owner);
        Cluster.ServiceSlot? host = null;
        await Poll.UntilAsync("the job to be under way on a known silo", TimeSpan.FromSeconds(30), _ =>
        {
            host = fixture.Cluster.Silos.FirstOrDefault(s => s.Current is { } p && p.Process.ReadLog().Contains($"Job {job.JobId} started", StringComparison.OrdinalIgnoreCase));
            return Task.FromResult(host is not null && subscriber.Messages.Count >= 2);
        });

        var pid = host!.Current!.Process.Pid;
        Signal("STOP", pid);
        output.WriteLine($"SIGSTOP {host.Name} (pid {pid}) at seq {subscriber.LastSeq}");
        try
        {
            await subscriber.Finished.WaitAsync(TimeSpan.FromSeconds(120));
        }
        finally
        {
            // Gone for good: the cluster has declared it dead; the next test gets a fresh one.
            if (host.IsUp)
            {
                await fixture.Cluster.KillAsync(host);
            }
        }

        output.WriteLine($"socket: {subscriber.End}; {subscriber.Messages.Count} messages, last {subscriber.Messages[^1].GetRawText()}");
        Assert.True(subscriber.CloseStatus is not null, $"the socket ended without a close frame: {subscriber.End}");
        Assert.Equal(WebSocketCloseStatus.NormalClosure, subscriber.CloseStatus);
        Assert.Equal(JobStatuses.Completed, subscriber.Messages[^1].String("type"));
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString()]);
        kill.WaitForExit();
    }
}
