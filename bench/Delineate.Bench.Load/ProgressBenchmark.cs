using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Delineate.Bench.Load;

/// <summary>
/// P3: progress latency. N jobs are started and each gets one WebSocket subscriber; once every socket
/// has its snapshot, each event received is timed against its own <c>at</c> (set by the job grain
/// when it records the event, before the state holding it is persisted and the event published):
/// latency = receive time − at, one clock (one machine). Events recorded before every subscriber was in
/// place are left out, so every sample was taken with all N jobs live and subscribed; so are those of the
/// first <c>--warmup-s</c> seconds after that (the processes' JIT compiles the hot path in its first
/// seconds under load, a cost paid once per process start that P1 and P2 leave out the same way).
/// </summary>
public static class ProgressBenchmark
{
    public static async Task<int> RunAsync(Args options)
    {
        var url = options.Str("url");
        var jobs = options.Int("jobs");
        var filesPerJob = options.Int("files-per-job", 20);
        var fileIds = options.Ints("file-ids", "70000");
        var owners = options.Int("owners", 64);
        var collect = TimeSpan.FromSeconds(options.Int("collect-s", 30));
        var warmup = TimeSpan.FromSeconds(options.Int("warmup-s", 0));
        var prefix = options.Str("owner-prefix", $"p3-{Guid.NewGuid():N}"[..11]);
        using var api = new JobApi(url, 64);

        Results.Log($"P3: starting {jobs} jobs of {filesPerJob} files");
        var created = await InitiateManyAsync(api, jobs, 64, owners, fileIds, filesPerJob, prefix);

        var samples = new ConcurrentBag<(string Kind, double Ms)>();
        var subscribed = 0;
        var snapshots = 0;
        var terminal = 0;
        var orderViolations = 0;
        var errors = 0;
        var collectFrom = DateTimeOffset.MaxValue;
        using var stop = new CancellationTokenSource();
        var everyoneSubscribed = new TaskCompletionSource();
        var connectGate = new SemaphoreSlim(32);

        var clients = created.Select(async job =>
        {
            using var socket = new ClientWebSocket();
            socket.Options.SetRequestHeader("X-User-Id", job.Owner);
            socket.Options.KeepAliveInterval = TimeSpan.Zero;
            await connectGate.WaitAsync();
            try
            {
                await socket.ConnectAsync(api.SubscribeUri(job.JobId), stop.Token);
            }
            catch (Exception) when (!stop.IsCancellationRequested)
            {
                Interlocked.Increment(ref errors);
                return;
            }
            finally
            {
                connectGate.Release();
            }
            Interlocked.Increment(ref subscribed);
            var buffer = new byte[16 * 1024];
            long lastSeq = -1;
            var gotSnapshot = false;
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var (message, type) = await ReceiveAsync(socket, buffer, stop.Token);
                    if (type == WebSocketMessageType.Close)
                    {
                        break;
                    }
                    var received = DateTimeOffset.UtcNow;
                    using var doc = JsonDocument.Parse(message);
                    var root = doc.RootElement;
                    var kind = root.GetProperty("type").GetString();
                    var seq = root.GetProperty("seq").GetInt64();
                    if (seq <= lastSeq && kind != "snapshot")
                    {
                        Interlocked.Increment(ref orderViolations);
                    }
                    lastSeq = Math.Max(lastSeq, seq);
                    if (kind == "snapshot")
                    {
                        if (!gotSnapshot && Interlocked.Increment(ref snapshots) == created.Count)
                        {
                            everyoneSubscribed.TrySetResult();
                        }
                        gotSnapshot = true;
                        continue;
                    }
                    if (kind is "completed" or "failed" or "cancelled")
                    {
                        Interlocked.Increment(ref terminal);
                    }
                    var at = root.GetProperty("at").GetDateTimeOffset();
                    if (at >= collectFrom)
                    {
                        samples.Add((kind ?? "?", (received - at).TotalMilliseconds));
                    }
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
            {
            }
        }).ToArray();

        var waited = await Task.WhenAny(everyoneSubscribed.Task, Task.Delay(TimeSpan.FromSeconds(120)));
        Results.Log($"P3: {snapshots} of {created.Count} subscribers have their snapshot{(waited == everyoneSubscribed.Task ? "" : " (gave up waiting for the rest)")}; warming up for {warmup.TotalSeconds:0} s, then collecting for {collect.TotalSeconds:0} s");
        await Task.Delay(warmup);
        collectFrom = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < collect && Volatile.Read(ref terminal) < created.Count)
        {
            await Task.Delay(250);
        }
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        var sorted = samples.Select(x => x.Ms).OrderBy(x => x).ToList();
        // Where the tail is: each event type's share of the events and its own p99.
        var byType = new JsonObject();
        foreach (var group in samples.GroupBy(x => x.Kind).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var ms = group.Select(x => x.Ms).OrderBy(x => x).ToList();
            byType[group.Key] = new JsonObject
            {
                ["events"] = ms.Count,
                ["p50_ms"] = Stats.Round(Stats.Percentile(ms, 50)),
                ["p99_ms"] = Stats.Round(Stats.Percentile(ms, 99)),
                ["max_ms"] = Stats.Round(ms[^1]),
            };
        }
        var result = new JsonObject
        {
            ["bench"] = "P3",
            ["side"] = "ours",
            ["jobs"] = created.Count,
            ["subscribers"] = subscribed,
            ["snapshots"] = snapshots,
            ["events"] = sorted.Count,
            ["events_per_s"] = Stats.Round(sorted.Count / Math.Max(0.001, clock.Elapsed.TotalSeconds), 1),
            ["p50_ms"] = Stats.Round(Stats.Percentile(sorted, 50)),
            ["p90_ms"] = Stats.Round(Stats.Percentile(sorted, 90)),
            ["p99_ms"] = Stats.Round(Stats.Percentile(sorted, 99)),
            ["max_ms"] = Stats.Round(sorted.Count > 0 ? sorted[^1] : double.NaN),
            ["order_violations"] = orderViolations,
            ["connect_errors"] = errors,
            ["jobs_finished_while_collecting"] = terminal,
            ["by_type"] = byType,
        };
        Results.Emit(result);
        return sorted.Count > 0 && orderViolations == 0 ? 0 : 1;
    }

    public static async Task<(byte[] Message, WebSocketMessageType Type)> ReceiveAsync(ClientWebSocket socket, byte[] buffer, CancellationToken cancellationToken)
    {
        using var message = new MemoryStream();
        while (true)
        {
            var result = await socket.ReceiveAsync(buffer, cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return ([], WebSocketMessageType.Close);
            }
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return (message.ToArray(), result.MessageType);
            }
        }
    }

    public static async Task<List<(string Owner, string JobId)>> InitiateManyAsync(JobApi api, int jobs, int connections, int owners, int[] fileIds, int filesPerJob, string prefix)
    {
        var created = new ConcurrentBag<(int Index, string Owner, string JobId)>();
        var next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Math.Min(connections, jobs)).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < jobs)
            {
                var owner = $"{prefix}-{i % owners}";
                var files = Enumerable.Range(0, filesPerJob).Select(k => fileIds[(i * filesPerJob + k) % fileIds.Length]).Distinct().ToArray();
                created.Add((i, owner, await api.InitiateAsync(owner, files)));
            }
        }));
        Results.Log(string.Create(CultureInfo.InvariantCulture, $"initiated {jobs} jobs in {clock.Elapsed.TotalSeconds:0.0} s"));
        return created.OrderBy(c => c.Index).Select(c => (c.Owner, c.JobId)).ToList();
    }
}
