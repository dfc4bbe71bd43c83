using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Delineate.Bench.Load;

/// <summary>
/// P4: capacity. N jobs (1–4 files each) are accepted over C keep-alive connections, owners varied,
/// against one silo whose simulated source latency is long, so nothing finishes: at most the silo's
/// run limit (<c>SILO_MAX_RUNNING_JOBS</c>) of them run, the rest wait as queued (stored, no grain
/// activation). The accept rate is measured while the backlog builds. Once all are accepted the
/// silo's RSS is sampled for a settling window; how many jobs run comes from the silo's
/// <c>delineate_jobs_active</c> (Prometheus, <c>/metrics</c>), how many are unfinished from every
/// owner's job list (<c>GET /v1/download/jobs?status=queued|processing&amp;limit=1</c>, its
/// <c>total</c>: the store's index, which shows an admitted job as queued until its first progress
/// write, so queued = unfinished − running), and ~100 jobs' status is read as a cross-check. Then M WebSocket subscribers connect to M jobs
/// spread over the N (most of them queued) through the one gateway and stay connected; each must get
/// its snapshot; the gateway's RSS is sampled while they do. RSS = VmRSS from /proc, the maximum
/// over each window, with VmHWM (the process's peak so far) beside it.
/// </summary>
public static class CapacityBenchmark
{
    public static async Task<int> RunAsync(Args options)
    {
        var url = options.Str("url");
        var jobs = options.Int("jobs");
        var subscribers = options.Int("subscribers");
        var minFiles = options.Int("min-files", 1);
        var maxFiles = Math.Max(minFiles, options.Int("max-files", 4));
        var fileIds = options.Ints("file-ids", "70000");
        var owners = options.Int("owners", 256);
        var connections = options.Int("connections", 64);
        var maxRunning = options.Int("max-running", 256);
        var settle = TimeSpan.FromSeconds(options.Int("settle-s", 10));
        var hold = TimeSpan.FromSeconds(options.Int("hold-s", 15));
        var prefix = options.Str("owner-prefix", $"p4-{Guid.NewGuid():N}"[..11]);
        var siloMetrics = options.Str("silo-metrics", "");
        await using var rss = new RssSampler(options.All("pid"));
        using var api = new JobApi(url, connections);

        // 1. Accept every job, the backlog building as it goes.
        Results.Log($"P4: accepting {jobs} jobs of {minFiles}-{maxFiles} files over {connections} connections, {owners} owners");
        var acceptWindow = rss.Open();
        var accept = await AcceptAsync(api, jobs, connections, owners, fileIds, minFiles, maxFiles, prefix);
        acceptWindow.Close();
        var created = accept.Created;
        Results.Log(string.Create(CultureInfo.InvariantCulture,
            $"P4: {created.Count} of {jobs} accepted in {accept.Seconds:0.0} s ({created.Count / accept.Seconds:0} /s; {accept.Retries} retried answers, {accept.Errors} errors)"));

        // 2. All accepted: the silo's RSS from now until the subscribers come; the queue as the store sees it.
        var waitWindow = rss.Open();
        Results.Log($"P4: settling {settle.TotalSeconds:0} s");
        await Task.Delay(settle);
        var (listQueued, listProcessing) = await CountAsync(api, created.Select(c => c.Owner).Distinct().ToArray());
        var unfinishedInLists = listQueued + listProcessing;
        var other = created.Count - unfinishedInLists;
        var running = await MetricAsync(siloMetrics, "delineate_jobs_active");
        var admitted = await MetricAsync(siloMetrics, "delineate_jobs_initiated_total");
        var queued = running is { } run ? unfinishedInLists - (int)run : (int?)null;
        var sample = created.Where((_, i) => i % Math.Max(1, created.Count / 100) == 0).ToList();
        var sampled = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var job in sample)
        {
            var status = (await api.StatusAsync(job.Owner, job.JobId))?["status"]?.GetValue<string>() ?? "missing";
            sampled[status] = sampled.GetValueOrDefault(status) + 1;
        }
        var unfinished = sampled.GetValueOrDefault("queued") + sampled.GetValueOrDefault("processing");
        waitWindow.Close();
        var siloRss = waitWindow.Max("silo");
        var siloPeak = rss.Peak("silo");
        var gatewayBefore = rss.Last("gateway");
        Results.Log(string.Create(CultureInfo.InvariantCulture,
            $"P4: silo RSS max {siloRss:0} MiB (VmHWM {siloPeak:0}); silo runs {running} (admitted {admitted}); owners' lists: {listQueued} queued, {listProcessing} processing, {other} neither; sampled: {string.Join(", ", sampled.Select(p => $"{p.Value} {p.Key}"))}"));

        // 3. Subscribers to jobs spread over the whole backlog (so mostly queued ones).
        var targets = Enumerable.Range(0, Math.Min(subscribers, created.Count))
            .Select(i => created[(int)((long)i * created.Count / Math.Max(1, Math.Min(subscribers, created.Count)))]).ToList();
        Results.Log($"P4: connecting {targets.Count} WebSocket subscribers");
        var subscriberWindow = rss.Open();
        using var stop = new CancellationTokenSource();
        var connectGate = new SemaphoreSlim(64);
        var connected = 0;
        var withSnapshot = 0;
        var failures = 0;
        var snapshotStatus = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var allIn = new TaskCompletionSource();
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
                        if (doc.RootElement.GetProperty("type").GetString() == "snapshot")
                        {
                            var status = doc.RootElement.TryGetProperty("status", out var s) ? s.GetString() ?? "?" : "?";
                            snapshotStatus.AddOrUpdate(status, 1, (_, n) => n + 1);
                            if (Interlocked.Increment(ref withSnapshot) + Volatile.Read(ref failures) >= targets.Count)
                            {
                                allIn.TrySetResult();
                            }
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
        await Task.Delay(hold);
        var open = Volatile.Read(ref connected);
        subscriberWindow.Close();
        var gatewayPeak = rss.Peak("gateway");
        await stop.CancelAsync();
        await Task.WhenAll(clients);

        static JsonObject Tally(IEnumerable<KeyValuePair<string, int>> counts) =>
            new(counts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        Results.Emit(new JsonObject
        {
            ["bench"] = "P4",
            ["side"] = "ours",
            ["jobs_requested"] = jobs,
            ["jobs"] = created.Count,
            ["files_per_job"] = $"{minFiles}-{maxFiles}",
            ["files_total"] = accept.Files,
            ["connections"] = connections,
            ["owners"] = owners,
            ["accept_seconds"] = Stats.Round(accept.Seconds, 1),
            ["accept_per_s"] = Stats.Round(created.Count / accept.Seconds, 0),
            ["accept_per_s_by_tenth"] = new JsonArray(accept.RateByTenth.Select(r => (JsonNode?)Stats.Round(r, 0)).ToArray()),
            ["accept_p50_ms"] = Stats.Round(Stats.Percentile(accept.LatenciesMs, 50), 1),
            ["accept_p99_ms"] = Stats.Round(Stats.Percentile(accept.LatenciesMs, 99), 1),
            ["accept_max_ms"] = Stats.Round(accept.LatenciesMs.Count > 0 ? accept.LatenciesMs[^1] : double.NaN, 1),
            ["accept_retries"] = accept.Retries,
            ["accept_errors"] = accept.Errors,
            ["max_running"] = maxRunning,
            ["jobs_queued"] = queued,
            ["jobs_running"] = running,
            ["jobs_admitted"] = admitted,
            ["jobs_other"] = other,
            ["list_queued"] = listQueued,
            ["list_processing"] = listProcessing,
            ["jobs_sampled"] = Tally(sampled),
            ["jobs_sampled_unfinished"] = $"{unfinished}/{sample.Count}",
            ["silo_rss_mib"] = Stats.Round(siloRss, 0),
            ["silo_peak_mib"] = Stats.Round(siloPeak, 0),
            ["silo_rss_mib_accepting"] = Stats.Round(acceptWindow.Max("silo"), 0),
            ["silo_rss_mib_with_subscribers"] = Stats.Round(subscriberWindow.Max("silo"), 0),
            ["redis_rss_mib"] = Stats.Round(waitWindow.Max("redis"), 0),
            ["subscribers"] = targets.Count,
            ["subscribers_with_snapshot"] = withSnapshot,
            ["subscribers_snapshot_status"] = Tally(snapshotStatus),
            ["subscribers_open_at_end"] = open,
            ["subscriber_failures"] = failures,
            ["connect_seconds"] = Stats.Round(connectSeconds, 1),
            ["gateway_rss_mib_accepting"] = Stats.Round(acceptWindow.Max("gateway"), 0),
            ["gateway_rss_mib_before"] = Stats.Round(gatewayBefore, 0),
            ["gateway_rss_mib"] = Stats.Round(subscriberWindow.Max("gateway"), 0),
            ["gateway_peak_mib"] = Stats.Round(gatewayPeak, 0),
        });
        var ok = created.Count == jobs && other == 0 && running is not null && unfinished == sample.Count && withSnapshot == targets.Count;
        return ok ? 0 : 1;
    }

    private sealed record Accepted(List<(string Owner, string JobId)> Created, double Seconds, double[] RateByTenth, List<double> LatenciesMs, long Files, int Retries, int Errors);

    /// <summary>
    /// Every job once, over <paramref name="connections"/> workers. A 503 or 429 (with Retry-After) is
    /// retried after the wait it names; any other answer or a transport error counts as an error and
    /// that job is dropped (no retry that could accept it twice).
    /// </summary>
    private static async Task<Accepted> AcceptAsync(JobApi api, int jobs, int connections, int owners, int[] fileIds,
        int minFiles, int maxFiles, string prefix)
    {
        var ids = new string?[jobs];
        var latencies = new double[jobs];
        var tenthAt = new double[10];
        var next = -1;
        var done = 0;
        var retries = 0;
        var errors = 0;
        long files = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Math.Min(connections, jobs)).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < jobs)
            {
                var owner = $"{prefix}-{i % owners}";
                // 1..4 files, not in step with the owner (owners = 256 is a multiple of 4)
                var count = minFiles + (int)(((uint)i * 2654435761u >> 16) % (uint)(maxFiles - minFiles + 1));
                var request = Enumerable.Range(0, count).Select(k => fileIds[(i * maxFiles + k) % fileIds.Length]).Distinct().ToArray();
                for (var attempt = 1; ; attempt++)
                {
                    var started = clock.Elapsed.TotalMilliseconds;
                    try
                    {
                        var answer = await api.TryInitiateAsync(owner, request);
                        if (answer.JobId is { } id)
                        {
                            ids[i] = id;
                            latencies[i] = clock.Elapsed.TotalMilliseconds - started;
                            Interlocked.Add(ref files, request.Length);
                            break;
                        }
                        if (answer.Status is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests && attempt < 30)
                        {
                            if (Interlocked.Increment(ref retries) <= 5)
                            {
                                Results.Log($"P4: initiate answered {(int)answer.Status} (Retry-After {answer.RetryAfter?.TotalSeconds}); retrying");
                            }
                            var wait = answer.RetryAfter ?? TimeSpan.FromSeconds(1);
                            await Task.Delay(wait > TimeSpan.FromSeconds(5) ? TimeSpan.FromSeconds(5) : wait);
                            continue;
                        }
                        if (Interlocked.Increment(ref errors) <= 5)
                        {
                            Results.Log($"P4: initiate answered {(int)answer.Status}: {(answer.Body.Length > 200 ? answer.Body[..200] : answer.Body)}");
                        }
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                    {
                        if (Interlocked.Increment(ref errors) <= 5)
                        {
                            Results.Log($"P4: initiate failed: {ex.GetType().Name}: {ex.Message}");
                        }
                    }
                    break;
                }
                var finished = Interlocked.Increment(ref done);
                var (before, now) = ((int)((finished - 1) * 10L / jobs), (int)(finished * 10L / jobs));
                if (now > before)
                {
                    var at = clock.Elapsed.TotalSeconds;
                    for (var t = before; t < now; t++)
                    {
                        tenthAt[t] = at;
                    }
                    if (now < 10)
                    {
                        Results.Log(string.Create(CultureInfo.InvariantCulture, $"P4: {finished} answered after {at:0.0} s"));
                    }
                }
            }
        }));
        var seconds = clock.Elapsed.TotalSeconds;
        // Rate per tenth of the jobs (accepted or not): does accepting slow down as the backlog grows?
        var byTenth = new double[10];
        for (var t = 0; t < 10; t++)
        {
            var span = tenthAt[t] - (t == 0 ? 0 : tenthAt[t - 1]);
            byTenth[t] = span > 0 ? jobs / 10.0 / span : double.NaN;
        }
        var created = new List<(string Owner, string JobId)>(jobs);
        var ok = new List<double>(jobs);
        for (var i = 0; i < jobs; i++)
        {
            if (ids[i] is { } id)
            {
                created.Add(($"{prefix}-{i % owners}", id));
                ok.Add(latencies[i]);
            }
        }
        ok.Sort();
        return new Accepted(created, seconds, byTenth, ok, files, retries, errors);
    }

    /// <summary>
    /// The sum of a Prometheus series' samples (every label set) on <paramref name="url"/>; 0 when the
    /// series is absent (an up-down counter appears with its first change), null when nothing answered.
    /// </summary>
    private static async Task<long?> MetricAsync(string url, string name)
    {
        if (url.Length == 0)
        {
            return null;
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        string text;
        try
        {
            text = await http.GetStringAsync(url);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Results.Log($"P4: {url}: {ex.Message}");
            return null;
        }
        long sum = 0;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is ' ' or '{')
            {
                var rest = line[name.Length] == '{' ? line[(line.LastIndexOf('}') + 1)..] : line[name.Length..];
                var value = rest.Trim().Split(' ')[0];
                sum += (long)double.Parse(value, CultureInfo.InvariantCulture);
            }
        }
        return sum;
    }

    /// <summary>Queued and processing jobs over every owner: the totals of their job lists (the store's index, no grain).</summary>
    private static async Task<(int Queued, int Processing)> CountAsync(JobApi api, string[] owners)
    {
        var gate = new SemaphoreSlim(16);
        var counts = await Task.WhenAll(owners.Select(async owner =>
        {
            await gate.WaitAsync();
            try
            {
                return (Queued: await api.CountAsync(owner, "queued"), Processing: await api.CountAsync(owner, "processing"));
            }
            finally
            {
                gate.Release();
            }
        }));
        return (counts.Sum(c => c.Queued), counts.Sum(c => c.Processing));
    }
}
