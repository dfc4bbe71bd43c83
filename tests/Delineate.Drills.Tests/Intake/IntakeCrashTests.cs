using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Delineate.Drills.Tests.Cluster;
using Delineate.Drills.Tests.Load;
using Delineate.Drills.Tests.Verification;
using Xunit.Sdk;

namespace Delineate.Drills.Tests.Intake;

/// <summary>
/// Issue #12, Done-when 6: the intake survives a crash in the middle of a burst. Redis with an
/// append-only file (fsync always), s3rver seeded as the drills seed it, 2 silos with fast failover,
/// 1 gateway; 2,000 small jobs (1–3 existing files, 50–300 ms each) initiated over 64 connections
/// by 8 owners, as fast as they are answered. After a third of them were sent one silo gets
/// <c>kill -9</c> (not restarted); after two thirds Redis is stopped and started again on the same
/// port and AOF folder. Asserted: no initiate answer is a 5xx other than 503, every 503 carries
/// Retry-After; every initiate (retried with its Idempotency-Key as the answers say) gets its 202;
/// each fault landed mid-burst (202s before it and for requests sent after it); the job records
/// Redis held before its restart are there after it; every accepted job completes with every file
/// ready and its archive byte for byte the seeded sources (<see cref="JobVerifier"/>); and Redis
/// holds no job record that no client was given (the drills' orphan audit, <see cref="StoredJobAudit"/>).
/// The counts (accepted, 503s, completed, verified) are printed. One thing is counted, not failed: an
/// archive whose bytes do not hash to its own ETag, which only s3rver's in-place writes produce (a
/// killed silo's unfinished PUT reaching s3rver after the resumed job's complete one).
/// </summary>
[Trait("Category", "Intake")]
public sealed class IntakeCrashTests(ITestOutputHelper output)
{
    private const int Initiates = 2_000;
    private const int Connections = 64;
    private const int Owners = 8;
    private const int MaxAttempts = 4;

    /// <summary>The seeded files jobs are drawn from: the smallest of the seeded range, so 2,000 archives stay small.</summary>
    private const int FilePool = 40;

    /// <summary>Longer than StackExchange.Redis keeps commands in its backlog (5 s): some writes do fail.</summary>
    private static readonly TimeSpan RedisDown = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(100);

    private static DrillClusterOptions Options => new()
    {
        Silos = 2,
        Gateways = 1,
        SeedFrom = 70_000,
        SeedTo = 71_400,
        JobConcurrency = 2,
        MaxAttempts = MaxAttempts,
        RetryBaseDelayMs = 200,
        DelayMinMs = 50,
        DelayMaxMs = 300,
        TimeoutMs = 150_000,
        Extra = new Dictionary<string, string?>
        {
            // Raised (DrillCluster raises them too; stated here because this test depends on it).
            ["RATE_LIMIT_MAX_REQUESTS"] = "1000000",
            ["MAX_ACTIVE_JOBS_PER_OWNER"] = "1000000",
            ["MAX_JOBS_PER_ADDRESS_PER_MINUTE"] = "100000000",
        },
    };

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    [Fact]
    public async Task Two_thousand_initiates_ride_out_a_silo_kill_and_a_Redis_restart_mid_burst()
    {
        await using var cluster = await DrillCluster.StartAsync("intake-crash", Options, Log);
        using var client = new DrillClient(cluster);
        using var direct = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(60) };
        var sources = new SourceObjects(cluster.S3, DrillCluster.Bucket, direct);
        var verifier = new JobVerifier(sources, direct, MaxAttempts, TimeSpan.FromMilliseconds(Options.TimeoutMs));
        var failures = new List<string>();
        var clusterReady = _clock.Elapsed;

        var appendOnly = await cluster.Redis.CommandAsync("CONFIG GET appendonly", CancellationToken.None);
        var appendFsync = await cluster.Redis.CommandAsync("CONFIG GET appendfsync", CancellationToken.None);
        Assert.True(appendOnly.Contains("yes", StringComparison.Ordinal) && appendFsync.Contains("always", StringComparison.Ordinal),
            $"Redis should run with appendonly yes and appendfsync always; CONFIG GET says {appendOnly.ReplaceLineEndings(" ")} / {appendFsync.ReplaceLineEndings(" ")}");

        var pool = await SmallestSeededFilesAsync(sources, Options, FilePool);
        Log($"jobs draw 1-3 of the {pool.Count} smallest seeded files ({pool.Min(f => f.Size)}-{pool.Max(f => f.Size)} bytes)");
        var random = new Random(12);
        var jobs = Enumerable.Range(0, Initiates)
            .Select(i => new JobRecord(i, pool.OrderBy(_ => random.Next()).Take(1 + random.Next(3)).Select(f => f.Id).ToList(), $"intake-owner-{i % Owners}", FollowMode.Poll))
            .ToList();

        // The faults, started by the burst itself once a third and two thirds of the initiates were sent.
        var burst = new IntakeBurst(client, Log);
        var victim = cluster.Silos[0];
        DateTimeOffset? killAt = null, killedAt = null, redisStopAt = null, redisBackAt = null;
        var redisLost = new List<string>();
        var storedBeforeRestart = 0;
        var acceptedBeforeRestart = 0;
        var milestones = new List<BurstMilestone>
        {
            new(Initiates / 3, $"kill -9 {victim.Name}", async () =>
            {
                killAt = DateTimeOffset.UtcNow;
                var pid = await cluster.KillAsync(victim);
                killedAt = DateTimeOffset.UtcNow;
                Log($"{victim.Name} (pid {pid}) killed; it stays down");
            }),
            new(Initiates * 2 / 3, "restart Redis", async () =>
            {
                // What Redis holds now, and the jobs clients were told about so far, must be there after the restart.
                var before = await StoredJobAudit.StoredJobIdsAsync(cluster.Redis.Port);
                var accepted = jobs.Where(j => j.Accepted).Select(j => StoredJobAudit.Normalize(j.JobId!)).ToList();
                redisStopAt = DateTimeOffset.UtcNow;
                var graceful = await cluster.Redis.StopAsync();
                Log($"Redis stopped ({(graceful ? "SIGTERM" : "killed after SIGTERM timed out")}) holding {before.Count} job records; {accepted.Count} jobs accepted so far");
                await Task.Delay(RedisDown); // the outage itself, not a wait for a condition
                await cluster.Redis.StartAsync();
                redisBackAt = DateTimeOffset.UtcNow;
                var after = (await StoredJobAudit.StoredJobIdsAsync(cluster.Redis.Port)).ToHashSet();
                storedBeforeRestart = before.Count;
                acceptedBeforeRestart = accepted.Count;
                redisLost.AddRange(before.Concat(accepted).Distinct().Where(id => !after.Contains(id)));
                Log($"Redis back on :{cluster.Redis.Port} after {(redisBackAt - redisStopAt).Value.TotalSeconds:F1} s with {after.Count} job records; " +
                    $"{redisLost.Count} of those stored or accepted before the stop are gone");
            }),
        };

        var loadStart = DateTimeOffset.UtcNow;
        // 250 a second: the accept path answers 2,000 initiates in about a second, faster than a fault lands.
        await burst.RunAsync(jobs, Connections, milestones, perSecond: 250);
        var loadTook = DateTimeOffset.UtcNow - loadStart;
        var answers = burst.Answers;
        var accepted = jobs.Where(j => j.Accepted).ToList();
        Log($"burst done in {loadTook.TotalSeconds:F1} s: {accepted.Count} of {Initiates} accepted, {answers.Count} answers");

        // Where an answer falls relative to the faults (for failure messages).
        string Phase(InitiateAnswer a) =>
            redisBackAt is { } back && a.SentAt > back ? "sent after the Redis restart"
            : redisStopAt is { } down && a.AnsweredAt > down ? "around the Redis restart"
            : killAt is { } kill && a.AnsweredAt > kill ? "after the silo kill"
            : "before the faults";

        // Every answer: 503 is the only 5xx allowed, and only with Retry-After.
        var serverErrors = answers.Where(a => a.Code >= 500 && a.Code != 503).ToList();
        if (serverErrors.Count > 0)
        {
            failures.Add($"{serverErrors.Count} initiate answers were a 5xx other than 503 ({Histogram(serverErrors.Select(a => a.Code.ToString()))}):\n    " +
                string.Join("\n    ", serverErrors.Take(8).Select(a => $"{Second(a.AnsweredAt, loadStart)} s ({Phase(a)}): {a.Code} {a.Body}")));
        }

        var unavailable = answers.Where(a => a.Code == 503).ToList();
        var withoutRetryAfter = unavailable.Where(a => a.RetryAfterDelay is null).ToList();
        if (withoutRetryAfter.Count > 0)
        {
            failures.Add($"{withoutRetryAfter.Count} of {unavailable.Count} 503 answers had no valid Retry-After " +
                $"(headers seen: {Histogram(withoutRetryAfter.Select(a => a.RetryAfter ?? "none"))}); first: {withoutRetryAfter[0].Body}");
        }

        var notAccepted = jobs.Where(j => !j.Accepted).ToList();
        if (notAccepted.Count > 0)
        {
            failures.Add($"{notAccepted.Count} initiates never got a 202: {string.Join("; ", notAccepted.Take(5).Select(j => $"#{j.Index}: {j.Initiate?.Problem}"))}");
        }

        // The faults must have happened, and in the middle of the burst.
        foreach (var (name, error) in burst.MilestoneErrors)
        {
            failures.Add($"'{name}' failed: {error.GetType().Name}: {error.Message}");
        }

        var accepts = answers.Where(a => a.Code == 202).ToList();
        var (beforeKill, afterKill) = killAt is { } k && killedAt is { } kd
            ? (accepts.Count(a => a.AnsweredAt < k), accepts.Count(a => a.SentAt > kd))
            : (0, 0);
        var (beforeRedis, afterRedis) = redisStopAt is { } rs && redisBackAt is { } rb
            ? (accepts.Count(a => a.AnsweredAt < rs), accepts.Count(a => a.SentAt > rb))
            : (0, 0);
        if (beforeKill == 0 || afterKill == 0)
        {
            failures.Add($"the silo kill did not land mid-burst: {beforeKill} 202s answered before it, {afterKill} for requests sent after it");
        }

        if (beforeRedis == 0 || afterRedis == 0)
        {
            failures.Add($"the Redis restart did not land mid-burst: {beforeRedis} 202s answered before it, {afterRedis} for requests sent after it");
        }

        if (redisLost.Count > 0)
        {
            failures.Add($"{redisLost.Count} job records stored (or jobs accepted) before the Redis restart were not in Redis after it: {string.Join(", ", redisLost.Take(10))}");
        }

        // Every accepted job must complete: its status, polled until terminal.
        var drainStart = DateTimeOffset.UtcNow;
        var rateLimited = 0;
        while (DateTimeOffset.UtcNow - drainStart < DrainTimeout)
        {
            var open = accepted.Where(j => !j.IsTerminal).ToList();
            if (open.Count == 0)
            {
                break;
            }

            var limitedThisPass = 0;
            await Parallel.ForEachAsync(open, new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (job, ct) =>
            {
                var (status, code, _) = await client.TryGetStatusAsync(job.JobId!, job.Owner, null, ct);
                if (status is { } s)
                {
                    job.LastStatus = s;
                }
                else if (code == 404)
                {
                    Interlocked.Increment(ref job.NotFoundAnswers);
                }
                else if (code == 429)
                {
                    Interlocked.Increment(ref limitedThisPass);
                }
            });
            rateLimited += limitedThisPass;
            await Task.Delay(limitedThisPass > 0 ? TimeSpan.FromSeconds(5) : TimeSpan.FromSeconds(1));
        }

        var drainTook = DateTimeOffset.UtcNow - drainStart;
        var unfinished = accepted.Where(j => !j.IsTerminal).ToList();
        Log($"{accepted.Count - unfinished.Count} of {accepted.Count} accepted jobs finished {drainTook.TotalSeconds:F0} s after the burst; status 429s: {rateLimited}");
        if (unfinished.Count > 0)
        {
            failures.Add($"{unfinished.Count} accepted jobs did not finish within {DrainTimeout.TotalSeconds:F0} s of the burst: " +
                string.Join("; ", unfinished.Take(8).Select(j => $"{j.JobId} {j.LastStatusName ?? "never seen"}{(j.NotFoundAnswers > 0 ? $" ({j.NotFoundAnswers}× 404)" : "")}")));
        }

        var notCompleted = accepted.Where(j => j.IsTerminal && j.LastStatusName != JobStatuses.Completed).ToList();
        if (notCompleted.Count > 0)
        {
            failures.Add($"{notCompleted.Count} accepted jobs ended without completing ({Histogram(notCompleted.Select(j => j.LastStatusName!))}): " +
                string.Join("; ", notCompleted.Take(8).Select(j => $"{j.JobId} {j.LastStatusName}: {j.LastStatus?.OptionalField("error")?.GetString()}")));
        }

        // Every completed job's archive, byte for byte against the seeded sources; every file ready.
        var verifyStart = DateTimeOffset.UtcNow;
        var completed = accepted.Where(j => j.LastStatusName == JobStatuses.Completed).ToList();
        var verdicts = new ConcurrentQueue<JobVerdict>();
        await Parallel.ForEachAsync(completed, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (job, _) =>
        {
            try
            {
                verdicts.Enqueue(await verifier.VerifyAsync(job, job.LastStatus!.Value));
            }
            catch (Exception ex)
            {
                verdicts.Enqueue(new JobVerdict(job.JobId!, JobStatuses.Completed, null, new Dictionary<string, int>(), [], false, 0,
                    [$"verification threw {ex.GetType().Name}: {ex.Message}"]));
            }
        });
        // s3rver writes a PUT's bytes in place, without a temporary file: a PUT whose sender died (the
        // killed silo's, mid-bundle) that s3rver only gets to after the resumed job's complete PUT
        // truncates the object and keeps the complete PUT's MD5 as its ETag. S3 never exposes an
        // unfinished PUT, so an archive whose bytes do not hash to its own ETag is counted apart, not failed;
        // one that does hash to it is exactly what the service uploaded last, and is judged as it is.
        var clobbered = new ConcurrentDictionary<string, string>();
        await Parallel.ForEachAsync(verdicts.Where(v => !v.ArchiveVerified), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (v, _) =>
        {
            var url = completed.First(j => j.JobId == v.JobId).LastStatus!.Value.OptionalField("result")?.OptionalField("archiveUrl")?.GetString();
            if (await ClobberedInS3rverAsync(direct, url) is { } evidence)
            {
                clobbered[v.JobId] = evidence;
            }
        });
        var verified = verdicts.Count(v => v.ArchiveVerified && v.Problems.Count == 0 && v.FilesByStatus.Keys.All(s => s == "ready"));
        var problems = verdicts
            .SelectMany(v => v.Problems.Where(p => !(clobbered.ContainsKey(v.JobId) && p.Contains("archive", StringComparison.Ordinal))).Select(p => $"{v.JobId}: {p}")
                .Concat(v.FilesByStatus.Where(f => f.Key != "ready").Select(f => $"{v.JobId}: {f.Value} file(s) {f.Key} although every requested file exists ({string.Join("; ", v.FileErrors)})")))
            .ToList();
        if (!clobbered.IsEmpty)
        {
            Log($"{clobbered.Count} archives clobbered in s3rver after their complete PUT (not counted as failures): " +
                string.Join("; ", clobbered.Take(5).Select(c => $"{c.Key}: {c.Value}")));
        }

        if (problems.Count > 0)
        {
            var first = verdicts.First(v => problems.Any(p => p.StartsWith(v.JobId, StringComparison.Ordinal)));
            var firstStatus = completed.First(j => j.JobId == first.JobId).LastStatus!.Value.GetRawText();
            var firstArchive = await DescribeObjectAsync(direct, completed.First(j => j.JobId == first.JobId).LastStatus!.Value.OptionalField("result")?.OptionalField("archiveUrl")?.GetString());
            failures.Add($"{problems.Count} verification problems in {verdicts.Count(v => problems.Any(p => p.StartsWith(v.JobId, StringComparison.Ordinal)))} jobs:\n    " + string.Join("\n    ", problems.Take(10)) +
                $"\n    archive of {first.JobId}: {firstArchive}" +
                $"\n    status of {first.JobId}: {(firstStatus.Length <= 2000 ? firstStatus : firstStatus[..2000] + "…")}");
        }

        // GET /v1/download/{id} sends a client to the same archive (one in 25 completed jobs).
        var redirectProblems = new ConcurrentQueue<string>();
        var redirected = 0;
        await Parallel.ForEachAsync(completed.Where((_, i) => i % 25 == 0), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (job, ct) =>
        {
            var gateway = client.PickGateway()!;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, $"/v1/download/{job.JobId}"));
                request.Headers.Add("X-User-Id", job.Owner);
                using var response = await client.Http.SendAsync(request, ct);
                client.Tally.Record("/v1/download/{id}", (int)response.StatusCode, gateway.Authority);
                var archiveUrl = job.LastStatus!.Value.OptionalField("result")?.OptionalField("archiveUrl")?.GetString();
                if (response.StatusCode != HttpStatusCode.Found || response.Headers.Location is not { IsAbsoluteUri: true } location)
                {
                    redirectProblems.Enqueue($"{job.JobId}: GET /v1/download/{{id}} answered {(int)response.StatusCode} (Location {response.Headers.Location})");
                }
                else if (archiveUrl is null || location.AbsolutePath != new Uri(archiveUrl).AbsolutePath)
                {
                    redirectProblems.Enqueue($"{job.JobId}: redirected to {location.AbsolutePath}, the status' archiveUrl is {archiveUrl}");
                }
                else
                {
                    Interlocked.Increment(ref redirected);
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
            {
                redirectProblems.Enqueue($"{job.JobId}: GET /v1/download/{{id}} got no answer: {ex.GetType().Name}: {ex.Message}");
            }
        });
        if (!redirectProblems.IsEmpty)
        {
            failures.Add($"{redirectProblems.Count} archive redirects wrong: {string.Join("; ", redirectProblems.Take(5))}");
        }

        // Redis holds a record for every job a client was given, and for no other (the drills' orphan audit).
        var acceptedIds = accepted.Select(j => StoredJobAudit.Normalize(j.JobId!)).ToHashSet();
        var stored = (await StoredJobAudit.StoredJobIdsAsync(cluster.Redis.Port)).ToHashSet();
        var orphans = stored.Where(id => !acceptedIds.Contains(id)).ToList();
        var unseen = acceptedIds.Where(id => !stored.Contains(id)).ToList();
        if (orphans.Count > 0)
        {
            failures.Add($"{orphans.Count} job records in Redis that no client got a 202 for: {string.Join(", ", orphans.Take(10))}");
        }

        if (unseen.Count > 0)
        {
            failures.Add($"{unseen.Count} of {acceptedIds.Count} accepted jobs have no record the orphan audit finds (StoredJobAudit, */state/downloadjob/*): " +
                $"records lost, or the job record moved and the audit must follow it: {string.Join(", ", unseen.Take(5))}");
        }

        var verifyTook = DateTimeOffset.UtcNow - verifyStart;
        var initiatesWith503 = unavailable.Select(a => a.Index).Distinct().Count();
        Log($"initiates: {Initiates} over {Connections} connections, {Owners} owners, in {loadTook.TotalSeconds:F1} s; accepted {accepted.Count}, not accepted {notAccepted.Count}");
        Log($"initiate answers: {Histogram(answers.Select(a => a.Code == 0 ? "no-answer" : a.Code.ToString()))}; " +
            $"503s: {unavailable.Count} on {initiatesWith503} initiates, {withoutRetryAfter.Count} without Retry-After (Retry-After seen: {Histogram(unavailable.Select(a => a.RetryAfter ?? "none"))}); " +
            $"other 5xx: {serverErrors.Count}");
        Log($"silo kill: {victim.Name} at {Second(killAt, loadStart)} s; 202s answered before it {beforeKill}, for requests sent after it {afterKill}");
        Log($"Redis restart: stopped at {Second(redisStopAt, loadStart)} s, back at {Second(redisBackAt, loadStart)} s; {storedBeforeRestart} job records and {acceptedBeforeRestart} accepted jobs before it, {redisLost.Count} gone after; " +
            $"202s answered before it {beforeRedis}, for requests sent after it {afterRedis}");
        Log($"jobs: completed {completed.Count}, other terminal {notCompleted.Count}, unfinished {unfinished.Count}; archives verified {verified} of {completed.Count}, clobbered in s3rver {clobbered.Count}; redirects checked {redirected}");
        Log($"Redis audit: {stored.Count} job records, {orphans.Count} orphans, {unseen.Count} accepted jobs not found");
        Log($"other requests: {string.Join(", ", client.Tally.Counts.Where(c => !c.Key.StartsWith(IntakeBurst.Route + " ", StringComparison.Ordinal)).Select(c => $"{c.Key} ×{c.Value}"))}");
        Log($"timings: cluster ready {clusterReady.TotalSeconds:F0} s, burst {loadTook.TotalSeconds:F0} s, drain {drainTook.TotalSeconds:F0} s, verification {verifyTook.TotalSeconds:F0} s, total {_clock.Elapsed.TotalSeconds:F0} s; logs in {cluster.Directory.Path}");

        if (failures.Count > 0)
        {
            throw new XunitException($"intake crash test (logs in {cluster.Directory.Path}):\n- {string.Join("\n- ", failures)}");
        }
    }

    /// <summary>The <paramref name="count"/> smallest files seeded for <paramref name="options"/>, read from s3rver (and kept by <paramref name="sources"/>).</summary>
    private static async Task<IReadOnlyList<(int Id, int Size)>> SmallestSeededFilesAsync(SourceObjects sources, DrillClusterOptions options, int count)
    {
        var ids = Enumerable.Range(options.SeedFrom, options.SeedTo - options.SeedFrom + 1).Where(id => SyntheticCatalogue.Exists(id)).ToList();
        var sizes = new ConcurrentQueue<(int Id, int Size)>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (id, _) =>
        {
            var bytes = await sources.GetAsync(id) ?? throw new InvalidOperationException($"seeded file {id} is not in s3rver");
            sizes.Enqueue((id, bytes.Length));
        });
        return sizes.OrderBy(f => f.Size).ThenBy(f => f.Id).Take(count).ToList();
    }

    /// <summary>
    /// When the object's bytes do not hash to its own (single-part) ETag, what was seen: s3rver kept the
    /// MD5 of a complete PUT while a later, unfinished PUT rewrote the file. Null when they agree (or cannot be compared).
    /// </summary>
    private static async Task<string?> ClobberedInS3rverAsync(HttpClient http, string? url)
    {
        if (url is null)
        {
            return null;
        }

        try
        {
            using var response = await http.GetAsync(url);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            var etag = response.Headers.ETag?.Tag.Trim('"');
            if (response.StatusCode != HttpStatusCode.OK || etag is null || etag.Contains('-', StringComparison.Ordinal))
            {
                return null;
            }

            var md5 = Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(bytes));
            return md5 == etag ? null : $"{bytes.Length} bytes with MD5 {md5}, but ETag {etag}";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>What S3 says about an object (HEAD: status, length, ETag), for failure messages.</summary>
    private static async Task<string> DescribeObjectAsync(HttpClient http, string? url)
    {
        if (url is null)
        {
            return "no archiveUrl";
        }

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, url);
            using var response = await http.SendAsync(request);
            return $"HEAD {(int)response.StatusCode}, Content-Length {response.Content.Headers.ContentLength?.ToString() ?? "none"}, ETag {response.Headers.ETag?.Tag ?? "none"}";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
        {
            return $"HEAD failed: {ex.GetType().Name}: {ex.Message}";
        }
    }

    private static string Histogram(IEnumerable<string> values) =>
        string.Join(", ", values.GroupBy(v => v).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} ×{g.Count()}"));

    private static string Second(DateTimeOffset? at, DateTimeOffset start) => at is { } t ? (t - start).TotalSeconds.ToString("F1") : "never";

    private void Log(string line) => output.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:F1} s] {line}");
}
