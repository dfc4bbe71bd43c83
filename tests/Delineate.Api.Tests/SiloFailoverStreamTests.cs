using System.Net.WebSockets;

namespace Delineate.Api.Tests;

/// <summary>
/// Two silos, one gateway. The silo that hosts a running job is killed with SIGKILL while a
/// WebSocket client follows that job through the gateway: the client still gets the terminal event.
/// </summary>
public sealed class SiloFailoverStreamTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int JobCount = 8;
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(120);
    private ClusterHarness? _cluster;

    private ClusterHarness Cluster => _cluster!;

    public async Task InitializeAsync() => _cluster = await ClusterHarness.StartAsync(
        "api-silo-failover",
        silos: 2,
        gateways: 1,
        new Dictionary<string, string?>
        {
            // Long per-file delays, two files at a time: each job runs for about ten seconds.
            ["DOWNLOAD_DELAY_MIN_MS"] = "400",
            ["DOWNLOAD_DELAY_MAX_MS"] = "700",
            ["JOB_CONCURRENCY"] = "2",
        });

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_client_following_a_job_through_the_gateway_gets_its_terminal_event_after_the_hosting_silo_is_killed()
    {
        output.WriteLine($"logs: {Cluster.Directory.Path}");
        var client = Cluster.Gateways[0].Client(TestData.NewOwner("failover"));
        var jobs = new List<string>();
        var followers = new Dictionary<string, EventSocket>();
        var sseFollowers = new Dictionary<string, SseStream>();
        try
        {
            for (var k = 0; k < JobCount; k++)
            {
                var jobId = await client.StartJobAsync(TestData.AvailableIds(30, 70000 + (k * 7 * 150)));
                jobs.Add(jobId);
                followers[jobId] = await EventSocket.ConnectAsync(client, jobId);
                sseFollowers[jobId] = await SseStream.OpenAsync(client, jobId);
            }

            // Which silo runs which job, from the silos' own logs.
            Dictionary<string, SiloProcess> hostOf = [];
            await Poll.UntilAsync(
                "every job to be started on a silo",
                TimeSpan.FromSeconds(30),
                _ =>
                {
                    foreach (var silo in Cluster.Silos)
                    {
                        var log = silo.Process.ReadLog();
                        foreach (var jobId in jobs.Where(id => log.Contains($"\"message\":\"Job {id} started\"", StringComparison.OrdinalIgnoreCase)))
                        {
                            hostOf[jobId] = silo;
                        }
                    }

                    return Task.FromResult(hostOf.Count == jobs.Count);
                },
                Cluster.Diagnostics);
            output.WriteLine(string.Join('\n', hostOf.Select(p => $"{p.Key} on {p.Value.Name}")));

            // Kill the silo hosting the most jobs, once they are under way and none has finished.
            var victim = hostOf.Values.GroupBy(s => s).OrderByDescending(g => g.Count()).First().Key;
            var victimsJobs = hostOf.Where(p => p.Value == victim).Select(p => p.Key).ToList();
            await client.WaitForStatusAsync(victimsJobs[0], s => s.Long("filesDone") >= 2, TimeSpan.FromSeconds(30), "2 files done", Cluster.Diagnostics);
            var before = new Dictionary<string, JsonElement>();
            foreach (var jobId in victimsJobs)
            {
                before[jobId] = await client.StatusAsync(jobId);
            }

            Assert.True(
                before.Values.All(s => !JobStatuses.IsTerminal(s.String("status"))),
                $"a job on {victim.Name} finished before the kill; make the jobs longer: {string.Join('\n', before.Values.Select(s => s.GetRawText()))}");
            output.WriteLine($"killing {victim.Name} (pid {victim.Process.Pid}) hosting {victimsJobs.Count} running jobs");
            victim.Kill();

            foreach (var jobId in jobs)
            {
                var socket = followers[jobId];
                var events = await socket.ReadUntilClosedAsync(RecoveryTimeout);
                output.WriteLine($"{jobId} ({hostOf[jobId].Name}): {string.Join(' ', events.Select(e => $"{e.Type}:{e.Seq}@{e.ArrivedAt:HH:mm:ss.fff}"))}");
                EventStreamAssert.WellFormed(jobId, events, socket.Transcript + "\n" + Cluster.Diagnostics());
                Assert.True(events[^1].Type == "completed", $"job {jobId} on {hostOf[jobId].Name} ended {events[^1].Type}\n{socket.Transcript}");
                Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
            }

            foreach (var jobId in jobs)
            {
                var stream = sseFollowers[jobId];
                var events = await stream.ReadToEndAsync(RecoveryTimeout);
                EventStreamAssert.WellFormed(jobId, events, stream.Transcript + "\n" + Cluster.Diagnostics());
                Assert.True(events[^1].Type == "completed", $"SSE of job {jobId} on {hostOf[jobId].Name} ended {events[^1].Type}\n{stream.Transcript}");
            }

            foreach (var jobId in victimsJobs)
            {
                var status = await client.StatusAsync(jobId);
                Assert.Equal("completed", status.String("status"));
                Assert.Equal(30, status.Field("result").Long("successCount"));
            }

            // With no silo left, calls that need a job grain answer 503 problems with Retry-After: never a
            // 500, never a hang. Accepting needs only Redis: a job accepted now waits, stored, for a silo.
            var survivor = Cluster.Silos.Single(s => s != victim);
            survivor.Kill();
            var quick = Cluster.Gateways[0].Client(TestData.NewOwner("no-silo"), timeout: TimeSpan.FromSeconds(40));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using (var response = await quick.GetAsync($"/v1/download/status/{jobs[0]}"))
            {
                output.WriteLine($"no silo: GET status -> {(int)response.StatusCode} after {clock.Elapsed.TotalSeconds:F1} s");
                await ProblemAssert.IsProblemAsync(response, System.Net.HttpStatusCode.ServiceUnavailable, "GET status with every silo dead");
                Assert.True(response.Headers.RetryAfter is not null, "GET status: the 503 has no Retry-After");
            }

            using (var accepted = await quick.PostAsync("/v1/download/initiate",
                new StringContent(TestData.InitiateBody([70000]), System.Text.Encoding.UTF8, "application/json")))
            {
                Assert.Equal(System.Net.HttpStatusCode.Accepted, accepted.StatusCode);
                var queuedId = JsonElementExtensions.ParseJson(await accepted.Content.ReadAsStringAsync()).String("jobId");
                using var list = await quick.GetAsync("/v1/download/jobs?status=queued");
                Assert.Equal(System.Net.HttpStatusCode.OK, list.StatusCode);
                Assert.Contains(queuedId, await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }

            using var ready = await quick.GetAsync("/health/ready");
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal("unhealthy", JsonElementExtensions.ParseJson(await ready.Content.ReadAsStringAsync()).String("status"));
        }
        finally
        {
            foreach (var socket in followers.Values)
            {
                await socket.DisposeAsync();
            }

            foreach (var stream in sseFollowers.Values)
            {
                await stream.DisposeAsync();
            }
        }
    }
}
