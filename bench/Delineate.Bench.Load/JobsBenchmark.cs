using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Delineate.Bench.Load;

/// <summary>
/// P2: jobs end to end. N jobs are initiated over C connections (each with one small available file),
/// owners spread over K names; then the client waits until every job has finished, watching only the
/// owners' finished counts (the job list's total: cheap, the same on both sides), and afterwards reads
/// every job's status once, to check it and take its finish time. jobs/s = N / (last finish − first
/// initiate), with the finish times the servers recorded (one machine, one clock).
/// </summary>
public static class JobsBenchmark
{
    public static async Task<int> RunAsync(Args options)
    {
        var url = options.Str("url");
        var jobs = options.Int("jobs");
        var connections = options.Int("connections", 64);
        var owners = options.Int("owners", 16);
        var fileIds = options.Ints("file-ids", "70000");
        var filesPerJob = options.Int("files-per-job", 1);
        var warmup = options.Int("warmup", 0);
        var side = options.Str("side", "ours");
        var timeout = TimeSpan.FromSeconds(options.Int("timeout-s", 300));
        var prefix = options.Str("owner-prefix", $"p2-{Guid.NewGuid():N}"[..11]);
        using var api = new JobApi(url, connections);

        if (warmup > 0)
        {
            Results.Log($"P2 {side}: warm-up, {warmup} jobs");
            await RunBatchAsync(api, warmup, connections, owners, fileIds, filesPerJob, prefix + "w", timeout);
        }
        Results.Log($"P2 {side}: {jobs} jobs over {connections} connections, {owners} owners");
        var batch = await RunBatchAsync(api, jobs, connections, owners, fileIds, filesPerJob, prefix, timeout);
        var result = new JsonObject
        {
            ["bench"] = "P2",
            ["side"] = side,
            ["jobs"] = jobs,
            ["completed"] = batch.Completed,
            ["failed"] = batch.Failed,
            ["jobs_per_s"] = Stats.Round(batch.ServerJobsPerSecond, 1),
            ["client_jobs_per_s"] = Stats.Round(batch.ClientJobsPerSecond, 1),
            ["initiate_seconds"] = Stats.Round(batch.InitiateSeconds, 2),
            ["seconds"] = Stats.Round(batch.ServerSeconds, 2),
            ["connections"] = connections,
        };
        Results.Emit(result);
        return batch.Completed == jobs ? 0 : 1;
    }

    public sealed record Batch(int Completed, int Failed, double ServerJobsPerSecond, double ClientJobsPerSecond, double InitiateSeconds, double ServerSeconds);

    public static async Task<Batch> RunBatchAsync(JobApi api, int jobs, int connections, int owners, int[] fileIds, int filesPerJob, string prefix, TimeSpan timeout)
    {
        var created = new ConcurrentBag<(string Owner, string JobId)>();
        var next = -1;
        var start = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Math.Min(connections, jobs)).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < jobs)
            {
                var owner = $"{prefix}-{i % owners}";
                var files = Enumerable.Range(0, filesPerJob).Select(k => fileIds[(i * filesPerJob + k) % fileIds.Length]).ToArray();
                created.Add((owner, await api.InitiateAsync(owner, files)));
            }
        }));
        var initiated = clock.Elapsed;

        var ownerNames = created.Select(c => c.Owner).Distinct().ToArray();
        var finished = 0;
        while (clock.Elapsed < timeout)
        {
            var counts = await Task.WhenAll(ownerNames.Select(async o =>
                await api.CountAsync(o, "completed") + await api.CountAsync(o, "failed")));
            finished = counts.Sum();
            if (finished >= jobs)
            {
                break;
            }
            await Task.Delay(100);
        }
        var clientSeconds = clock.Elapsed.TotalSeconds;
        if (finished < jobs)
        {
            Results.Log($"only {finished} of {jobs} jobs finished within {timeout.TotalSeconds:0} s");
        }

        // Read every job once (not timed): the outcome and the time the server recorded for its end.
        var completed = 0;
        var failed = 0;
        var lastFinish = start;
        var gate = new SemaphoreSlim(16);
        var list = created.ToArray();
        await Task.WhenAll(list.Select(async job =>
        {
            await gate.WaitAsync();
            try
            {
                var status = await api.StatusAsync(job.Owner, job.JobId);
                var state = status?["status"]?.GetValue<string>();
                var ready = status?["result"]?["successCount"]?.GetValue<int>() ?? 0;
                var updated = status?["updatedAt"] is { } at ? DateTimeOffset.Parse(at.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture) : start;
                lock (list)
                {
                    if (state == "completed" && ready >= 1)
                    {
                        completed++;
                    }
                    else
                    {
                        failed++;
                    }
                    if (updated > lastFinish)
                    {
                        lastFinish = updated;
                    }
                }
            }
            finally
            {
                gate.Release();
            }
        }));
        var serverSeconds = (lastFinish - start).TotalSeconds;
        Results.Log($"{completed} completed, {failed} not; initiates took {initiated.TotalSeconds:0.00} s, last finish at {serverSeconds:0.00} s");
        return new Batch(completed, failed, jobs / serverSeconds, jobs / clientSeconds, initiated.TotalSeconds, serverSeconds);
    }
}
