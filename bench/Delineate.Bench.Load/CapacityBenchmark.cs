using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Delineate.Bench.Load;

/// <summary>
/// P4: capacity. N jobs are started against a silo whose simulated source latency is long, so all of them
/// stay in flight; the silo's RSS is sampled once they are all accepted (a sample of jobs is read to
/// check they are unfinished). Then M WebSocket subscribers connect to M distinct jobs through one
/// gateway and stay connected; the gateway's RSS is sampled while they do. RSS = VmRSS from /proc,
/// the maximum over the sampling window, with VmHWM (the process's peak) beside it.
/// </summary>
public static class CapacityBenchmark
{
    public static async Task<int> RunAsync(Args options)
    {
        var url = options.Str("url");
        var jobs = options.Int("jobs");
        var subscribers = options.Int("subscribers");
        var filesPerJob = options.Int("files-per-job", 1);
        var fileIds = options.Ints("file-ids", "70000");
        var owners = options.Int("owners", 256);
        var settle = TimeSpan.FromSeconds(options.Int("settle-s", 10));
        var hold = TimeSpan.FromSeconds(options.Int("hold-s", 15));
        var prefix = options.Str("owner-prefix", $"p4-{Guid.NewGuid():N}"[..11]);
        await using var rss = new RssSampler(options.All("pid"));
        using var api = new JobApi(url, 64);

        Results.Log($"P4: starting {jobs} jobs");
        var created = await ProgressBenchmark.InitiateManyAsync(api, jobs, 64, owners, fileIds, filesPerJob, prefix);
        Results.Log($"P4: settling {settle.TotalSeconds:0} s with {created.Count} jobs");
        await Task.Delay(settle);
        var siloRss = rss.Max("silo");
        var siloPeak = rss.Peak("silo");
        var gatewayBefore = rss.Last("gateway");

        // A sample of the jobs: are they still in flight?
        var sample = created.Where((_, i) => i % Math.Max(1, created.Count / 100) == 0).ToList();
        var unfinished = 0;
        foreach (var job in sample)
        {
            var status = (await api.StatusAsync(job.Owner, job.JobId))?["status"]?.GetValue<string>();
            if (status is "queued" or "processing")
            {
                unfinished++;
            }
        }
        var inFlight = (int)Math.Round((double)created.Count * unfinished / Math.Max(1, sample.Count));
        Results.Log($"P4: silo RSS max {siloRss:0} MiB (peak {siloPeak:0}); {unfinished} of {sample.Count} sampled jobs unfinished");

        Results.Log($"P4: connecting {subscribers} WebSocket subscribers");
        using var stop = new CancellationTokenSource();
        var connectGate = new SemaphoreSlim(64);
        var connected = 0;
        var withSnapshot = 0;
        var failures = 0;
        var allIn = new TaskCompletionSource();
        var targets = created.Take(subscribers).ToList();
        var clock = Stopwatch.StartNew();
        var clients = targets.Select(async job =>
        {
            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("X-User-Id", job.Owner);
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            await connectGate.WaitAsync();
            try
            {
                await socket.ConnectAsync(api.SubscribeUri(job.JobId), stop.Token);
                Interlocked.Increment(ref connected);
            }
            catch (Exception) when (!stop.IsCancellationRequested)
            {
                if (Interlocked.Increment(ref failures) + Volatile.Read(ref withSnapshot) >= targets.Count)
                {
                    allIn.TrySetResult();
                }
                return;
            }
            finally
            {
                connectGate.Release();
            }
            var buffer = new byte[16 * 1024];
            var first = true;
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var (message, type) = await ProgressBenchmark.ReceiveAsync(socket, buffer, stop.Token);
                    if (type == WebSocketMessageType.Close)
                    {
                        break;
                    }
                    if (first)
                    {
                        first = false;
                        using var doc = JsonDocument.Parse(message);
                        if (doc.RootElement.GetProperty("type").GetString() == "snapshot"
                            && Interlocked.Increment(ref withSnapshot) + Volatile.Read(ref failures) >= targets.Count)
                        {
                            allIn.TrySetResult();
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
            {
            }
            finally
            {
                Interlocked.Decrement(ref connected);
            }
        }).ToArray();

        await Task.WhenAny(allIn.Task, Task.Delay(TimeSpan.FromSeconds(180)));
        var connectSeconds = clock.Elapsed.TotalSeconds;
        Results.Log($"P4: {withSnapshot} subscribers have their snapshot after {connectSeconds:0.0} s ({failures} failed); holding {hold.TotalSeconds:0} s");
        var gatewaySampleStart = rss.Max("gateway");
        await Task.Delay(hold);
        var open = Volatile.Read(ref connected);
        var gatewayRss = rss.Max("gateway");
        var gatewayPeak = rss.Peak("gateway");
        var siloRssAfter = rss.Max("silo");
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        Results.Emit(new JsonObject
        {
            ["bench"] = "P4",
            ["side"] = "ours",
            ["jobs"] = created.Count,
            ["jobs_in_flight_est"] = inFlight,
            ["jobs_sampled_unfinished"] = $"{unfinished}/{sample.Count}",
            ["silo_rss_mib"] = Stats.Round(siloRss, 0),
            ["silo_peak_mib"] = Stats.Round(siloPeak, 0),
            ["silo_rss_mib_with_subscribers"] = Stats.Round(siloRssAfter, 0),
            ["subscribers"] = targets.Count,
            ["subscribers_with_snapshot"] = withSnapshot,
            ["subscribers_open_at_end"] = open,
            ["subscriber_failures"] = failures,
            ["connect_seconds"] = Stats.Round(connectSeconds, 1),
            ["gateway_rss_mib_before"] = Stats.Round(gatewayBefore, 0),
            ["gateway_rss_mib"] = Stats.Round(Math.Max(gatewayRss, gatewaySampleStart), 0),
            ["gateway_peak_mib"] = Stats.Round(gatewayPeak, 0),
        });
        return withSnapshot == targets.Count ? 0 : 1;
    }
}
