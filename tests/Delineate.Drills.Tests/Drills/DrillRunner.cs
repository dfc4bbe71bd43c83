using System.Collections.Concurrent;
using System.Diagnostics;
using Delineate.Drills.Tests.Cluster;
using Delineate.Drills.Tests.Faults;
using Delineate.Drills.Tests.Health;
using Delineate.Drills.Tests.Load;
using Delineate.Drills.Tests.Reporting;
using Delineate.Drills.Tests.Verification;

namespace Delineate.Drills.Tests.Drills;

/// <summary>
/// Runs one drill: starts the cluster, starts jobs at a steady pace and follows each like a client
/// would, injects the profile's faults meanwhile, waits for every job to end (or its deadline to
/// pass), then verifies every job and writes the report.
/// </summary>
public sealed class DrillRunner(DrillProfile profile, Action<string> log)
{
    private static readonly TimeSpan InitiateDeadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan TrackInterval = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RecheckFinishedEvery = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan FollowersGrace = TimeSpan.FromSeconds(30);

    /// <summary>Jobs started this soon after the load began are left out of <see cref="DrillReport.SteadyDurations"/>.</summary>
    public static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(120);

    private readonly ConcurrentQueue<JobRecord> _jobs = new();
    private readonly ConcurrentDictionary<string, JobVerdict> _verdicts = new();
    private readonly ConcurrentQueue<string> _stuck = new();
    private readonly ConcurrentQueue<string> _reversals = new();
    private readonly ConcurrentQueue<Task> _inlineVerifications = new();
    private readonly SemaphoreSlim _verifySlots = new(6);

    private TimeSpan JobTimeout => TimeSpan.FromMilliseconds(profile.Cluster.TimeoutMs);

    public async Task<DrillReport> RunAsync()
    {
        var seed = profile.Seed ?? Random.Shared.Next();
        var random = new Random(seed);
        var wall = Stopwatch.StartNew();
        var startedAt = DateTimeOffset.UtcNow;
        log($"drill '{profile.Name}' (random seed {seed})");

        await using var cluster = await DrillCluster.StartAsync($"drill-{profile.Name}", profile.Cluster, log);
        using var client = new DrillClient(cluster);
        using var direct = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(60) };
        var sources = new SourceObjects(cluster.S3, DrillCluster.Bucket, direct);
        var verifier = new JobVerifier(sources, direct, profile.Cluster.MaxAttempts, JobTimeout);
        var follower = new JobFollower(client);
        using var health = new HealthMonitor(cluster);
        var sampler = new ProcessSampler(cluster);
        var injector = new FaultInjector(cluster, new Random(random.Next()), log, () => _jobs.Count(j => j.Accepted && !j.IsTerminal));

        using var stopBackground = new CancellationTokenSource();
        using var stopFollowing = new CancellationTokenSource();
        var loadStart = DateTimeOffset.UtcNow;
        var background = new List<Task>
        {
            health.RunAsync(stopBackground.Token),
            TrackAsync(client, verifier, stopBackground.Token),
            sampler.RunLoadAsync(stopBackground.Token),
        };
        if (profile.SampleProcessesEvery is { } every)
        {
            background.Add(sampler.RunAsync(loadStart, every, stopBackground.Token));
        }

        if (profile.ListEvery is { } listEvery)
        {
            background.Add(ListJobsAsync(client, listEvery, new Random(random.Next()), stopBackground.Token));
        }

        var faults = injector.RunAsync(profile.Faults, loadStart, CancellationToken.None);

        // The load: one job every InitiateEvery, each initiated (with retries) and then followed.
        var initiates = new List<Task>();
        var follows = new List<Task>();
        for (var i = 0; ; i++)
        {
            var due = loadStart + (i * profile.InitiateEvery);
            if (profile.LoadDuration is { } duration ? due > loadStart + duration : i >= profile.Jobs)
            {
                break;
            }

            var wait = due - DateTimeOffset.UtcNow;
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            var job = NewJob(i, random);
            _jobs.Enqueue(job);
            var initiate = InitiateAsync(client, job);
            initiates.Add(initiate);
            follows.Add(FollowAfterAsync(initiate, follower, job, stopFollowing.Token));
            if (i % 25 == 0)
            {
                log($"{(DateTimeOffset.UtcNow - loadStart).TotalSeconds:F0} s: {i + 1} jobs started; {Summary()}");
            }
        }

        await Task.WhenAll(initiates);
        var loadSeconds = (DateTimeOffset.UtcNow - loadStart).TotalSeconds;
        log($"load done after {loadSeconds:F0} s: {Summary()}");
        await faults;
        log($"faults done after {(DateTimeOffset.UtcNow - loadStart).TotalSeconds:F0} s");

        // Every accepted job must end: completed or failed by itself, at the latest at its deadline.
        var lastAccepted = _jobs.Where(j => j.Accepted).Select(j => j.InitiatedAt!.Value).DefaultIfEmpty(DateTimeOffset.UtcNow).Max();
        var drainUntil = lastAccepted + JobTimeout + JobVerifier.DeadlineSlack + TimeSpan.FromSeconds(15);
        try
        {
            await Poll.UntilAsync(
                "every accepted job to reach a terminal state",
                drainUntil - DateTimeOffset.UtcNow > TimeSpan.FromSeconds(5) ? drainUntil - DateTimeOffset.UtcNow : TimeSpan.FromSeconds(5),
                _ => Task.FromResult(_jobs.Where(j => j.Accepted).All(j => j.IsTerminal)),
                Summary,
                TimeSpan.FromMilliseconds(500));
            log($"all accepted jobs finished {(DateTimeOffset.UtcNow - loadStart).TotalSeconds:F0} s after the load began");
        }
        catch (TimeoutException ex)
        {
            log($"NOT ALL JOBS FINISHED: {ex.Message.Split('\n')[0]}");
        }

        // Followers get a little longer to see the end through their own channel.
        await Task.WhenAny(Task.WhenAll(follows), Task.Delay(FollowersGrace));
        await stopFollowing.CancelAsync();
        await Task.WhenAll(follows);
        await stopBackground.CancelAsync();
        await Task.WhenAll(background);
        await Task.WhenAll(_inlineVerifications);

        var lost = await VerifyAllAsync(client, verifier);
        var accepted = _jobs.Where(j => j.Accepted).Select(j => StoredJobAudit.Normalize(j.JobId!)).ToHashSet();
        var orphans = (await StoredJobAudit.StoredJobIdsAsync(cluster.Redis.Port)).Where(id => !accepted.Contains(id)).ToList();
        if (orphans.Count > 0)
        {
            log($"{orphans.Count} job states in Redis that no client was given: {string.Join(", ", orphans.Take(10))}");
        }

        var report = BuildReport(cluster, client, health, sampler, injector, seed, startedAt, wall.Elapsed, loadSeconds, loadStart, lost) with { OrphanJobStates = orphans };
        log($"report: {ResultsWriter.Write(report)}");
        return report;
    }

    private JobRecord NewJob(int index, Random random)
    {
        var o = profile.Cluster;
        var first = (o.SeedFrom + 6) / 7 * 7;
        var existing = ((o.SeedTo - first) / 7) + 1;
        var count = random.Next(profile.MinFiles, profile.MaxFiles + 1);
        var ids = new List<int>();
        while (ids.Count < count)
        {
            var id = first + (7 * random.Next(existing));
            if (!ids.Contains(id))
            {
                ids.Add(id);
            }
        }

        if (random.NextDouble() < profile.MissingFileChance)
        {
            ids.Insert(random.Next(ids.Count + 1), Math.Min(first + (7 * random.Next(existing)) + 1 + random.Next(6), o.SeedTo));
        }

        if (random.NextDouble() < profile.DuplicateChance)
        {
            ids.Add(ids[random.Next(ids.Count)]);
        }

        var roll = random.NextDouble();
        var follow = roll < profile.WebSocketShare ? FollowMode.WebSocket
            : roll < profile.WebSocketShare + profile.SseShare ? FollowMode.ServerSentEvents
            : FollowMode.Poll;
        return new JobRecord(index, ids, $"drill-owner-{random.Next(profile.Owners)}", follow);
    }

    private static async Task InitiateAsync(DrillClient client, JobRecord job)
    {
        job.InitiatedAt = DateTimeOffset.UtcNow;
        job.Initiate = await client.InitiateAsync(job.FileIds, job.Owner, InitiateDeadline, CancellationToken.None);
        if (job.Initiate.Problem is { } problem && job.Initiate.JobId is not null)
        {
            job.Violation(problem);
        }
    }

    private static async Task FollowAfterAsync(Task initiate, JobFollower follower, JobRecord job, CancellationToken stop)
    {
        await initiate;
        if (job.Accepted)
        {
            await follower.FollowAsync(job, stop);
        }
    }

    /// <summary>
    /// Polls every unfinished job (and now and then every finished one: a finished job must stay
    /// finished), flags jobs unfinished past their deadline, and in the soak verifies each job as it ends.
    /// </summary>
    private async Task TrackAsync(DrillClient client, JobVerifier verifier, CancellationToken stop)
    {
        using var slots = new SemaphoreSlim(16);
        while (!stop.IsCancellationRequested)
        {
            var now = DateTimeOffset.UtcNow;
            var due = _jobs.Where(j => j.Accepted && (!j.IsTerminal || (!profile.VerifyOnFinish && now - j.LastPolledAt > RecheckFinishedEvery))).ToList();
            await Task.WhenAll(due.Select(async job =>
            {
                await slots.WaitAsync(CancellationToken.None);
                try
                {
                    await TrackOnceAsync(client, verifier, job, stop);
                }
                finally
                {
                    slots.Release();
                }
            }));
            try
            {
                await Task.Delay(TrackInterval, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task TrackOnceAsync(DrillClient client, JobVerifier verifier, JobRecord job, CancellationToken stop)
    {
        job.LastPolledAt = DateTimeOffset.UtcNow;
        var (status, code, _) = await client.TryGetStatusAsync(job.JobId!, job.Owner, null, stop);
        if (status is not { } s)
        {
            if (code == 404)
            {
                Interlocked.Increment(ref job.NotFoundAnswers);
            }

            return;
        }

        var name = s.String("status");
        var previous = job.LastStatusName;
        if (previous is not null && JobStatuses.IsTerminal(previous) && name != previous)
        {
            _reversals.Enqueue($"{job.JobId}: was {previous}, later {name} (seq {s.Long("seq")})");
        }

        job.LastStatus = s;
        if (JobStatuses.IsTerminal(name))
        {
            if (job.TerminalSeenAt is null)
            {
                job.TerminalSeenAt = DateTimeOffset.UtcNow;
                if (profile.VerifyOnFinish)
                {
                    _inlineVerifications.Enqueue(VerifyOneAsync(verifier, job, s));
                }
            }

            return;
        }

        var deadline = DateTimeOffset.Parse(s.String("createdAt")) + JobTimeout + JobVerifier.DeadlineSlack;
        if (DateTimeOffset.UtcNow > deadline && !job.FlaggedStuck)
        {
            job.FlaggedStuck = true;
            _stuck.Enqueue($"{job.JobId}: still {name} ({s.String("phase")}, {s.Long("filesDone")}/{s.Long("filesTotal")} files) " +
                $"{(DateTimeOffset.UtcNow - DateTimeOffset.Parse(s.String("createdAt"))).TotalSeconds:F0} s after creation; JOB_TIMEOUT_MS is {JobTimeout.TotalSeconds:F0} s");
        }
    }

    private async Task VerifyOneAsync(JobVerifier verifier, JobRecord job, JsonElement status)
    {
        await _verifySlots.WaitAsync();
        try
        {
            _verdicts[job.JobId!] = await verifier.VerifyAsync(job, status);
        }
        catch (Exception ex)
        {
            _verdicts[job.JobId!] = new JobVerdict(job.JobId!, job.LastStatusName ?? "?", null, new Dictionary<string, int>(), [], false, 0,
                [$"verification threw {ex.GetType().Name}: {ex.Message}"]);
        }
        finally
        {
            job.Verified = true;
            _verifySlots.Release();
        }
    }

    /// <summary>Fetches every accepted job's final status and verifies it; returns the lost ones.</summary>
    private async Task<List<LostJob>> VerifyAllAsync(DrillClient client, JobVerifier verifier)
    {
        var lost = new ConcurrentQueue<LostJob>();
        await Task.WhenAll(_jobs.Where(j => j.Accepted && !j.Verified).Select(async job =>
        {
            JsonElement? final = null;
            var code = 0;
            for (var attempt = 0; attempt < 8 && final is null; attempt++)
            {
                (final, code, _) = await client.TryGetStatusAsync(job.JobId!, job.Owner, null, CancellationToken.None);
                if (final is null && code != 404)
                {
                    await Task.Delay(500);
                }
                else if (final is null)
                {
                    break;
                }
            }

            if (final is not { } status)
            {
                lost.Enqueue(new LostJob(job.JobId!, job.LastStatusName ?? "never seen", code == 404 ? "status answers 404" : $"status does not answer (last code {code})"));
                return;
            }

            job.LastStatus = status;
            if (!JobStatuses.IsTerminal(status.String("status")))
            {
                lost.Enqueue(new LostJob(job.JobId!, status.String("status"),
                    $"never finished: {status.String("phase")}, {status.Long("filesDone")}/{status.Long("filesTotal")} files, seq {status.Long("seq")}, updated {status.String("updatedAt")}"));
            }

            await VerifyOneAsync(verifier, job, status);
        }));
        return lost.ToList();
    }

    private async Task ListJobsAsync(DrillClient client, TimeSpan every, Random random, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (client.PickGateway() is { } gateway)
            {
                await client.GetAsync(gateway, "/v1/download/jobs?limit=20", $"drill-owner-{random.Next(profile.Owners)}", stop);
            }

            try
            {
                await Task.Delay(every, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private string Summary()
    {
        var jobs = _jobs.ToArray();
        var byStatus = jobs.Where(j => j.Accepted).GroupBy(j => j.LastStatusName ?? "unknown").Select(g => $"{g.Key} {g.Count()}");
        return $"{jobs.Count(j => j.Accepted)} accepted ({string.Join(", ", byStatus)}), {jobs.Count(j => j.Initiate is { JobId: null })} not accepted";
    }

    private DrillReport BuildReport(
        DrillCluster cluster,
        DrillClient client,
        HealthMonitor health,
        ProcessSampler sampler,
        FaultInjector injector,
        int seed,
        DateTimeOffset startedAt,
        TimeSpan wall,
        double loadSeconds,
        DateTimeOffset loadStart,
        List<LostJob> lost)
    {
        var jobs = _jobs.ToList();
        var verdicts = jobs.Where(j => j.JobId is not null && _verdicts.ContainsKey(j.JobId)).Select(j => _verdicts[j.JobId!]).ToList();
        var finished = verdicts.Where(v => JobStatuses.IsTerminal(v.Status)).ToList();
        var faults = injector.Records;
        var outages = faults
            .Where(f => f.Kind is FaultKind.RedisRestart or FaultKind.S3Outage && f.Recovered is not null)
            .Select(f => new OutageHealth(f.Kind, f.AtSecond, f.DownSeconds,
                cluster.AllServices.Select(s => health.Judge(s.Name, f.Began, f.Recovered!.Value)).Where(v => v.SamplesDuringOutage > 0).ToList()))
            .ToList();
        return new DrillReport
        {
            Kind = profile.Name,
            StartedAt = startedAt,
            WallSeconds = Math.Round(wall.TotalSeconds, 1),
            LoadSeconds = Math.Round(loadSeconds, 1),
            Seed = seed,
            Cluster = profile.Cluster.Describe(),
            Logs = cluster.Directory.Path,
            Jobs = new JobCounts(
                jobs.Count,
                jobs.Count(j => j.Accepted),
                jobs.Count(j => !j.Accepted),
                finished.Count(v => v.Status == JobStatuses.Completed),
                finished.Count(v => v.Status == JobStatuses.Completed && v.FilesByStatus.GetValueOrDefault("failed") > 0),
                finished.Count(v => v.Status == JobStatuses.Failed),
                finished.Count(v => v.Status == JobStatuses.Cancelled),
                lost.Count,
                verdicts.Count(v => v.ArchiveVerified),
                verdicts.Count(v => v.Problems.Count == 0)),
            JobFailureReasons = Histogram(finished.Where(v => v.Status == JobStatuses.Failed).Select(v => v.Error ?? "(no error)")),
            FileFailureReasons = Histogram(verdicts.SelectMany(v => v.FileErrors)),
            FilesByStatus = verdicts.SelectMany(v => v.FilesByStatus).GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.Sum(p => p.Value)),
            Durations = DurationStats.Of(finished.Select(v => v.DurationSeconds)),
            SteadyDurations = DurationStats.Of(jobs
                .Where(j => j.JobId is not null && j.InitiatedAt - loadStart >= WarmUp && _verdicts.TryGetValue(j.JobId, out var v) && JobStatuses.IsTerminal(v.Status))
                .Select(j => _verdicts[j.JobId!].DurationSeconds)),
            CompletedDurations = DurationStats.Of(finished.Where(v => v.Status == JobStatuses.Completed).Select(v => v.DurationSeconds)),
            ClientObservedDurations = DurationStats.Of(jobs.Where(j => j.TerminalSeenAt is not null).Select(j => (j.TerminalSeenAt!.Value - j.InitiatedAt!.Value).TotalSeconds)),
            Lost = lost,
            NotAccepted = jobs.Where(j => !j.Accepted).Select(j => $"job #{j.Index}: {j.Initiate?.Problem}").ToList(),
            VerificationProblems = verdicts.SelectMany(v => v.Problems.Select(p => $"{v.JobId} ({v.Status}): {p}")).Take(500).ToList(),
            StreamViolations = jobs.SelectMany(j => j.Violations.Select(v => $"{j.JobId}: {v}")).Take(500).ToList(),
            StuckPastDeadline = _stuck.ToList(),
            TerminalReversals = _reversals.ToList(),
            Followers = jobs.Where(j => j.Accepted).GroupBy(j => j.Follow).ToDictionary(g => g.Key.ToString(), g => new FollowerStats(
                g.Count(),
                g.Count(j => j.FollowerSawTerminalAt is not null),
                g.Count(j => j.FollowerGaveUp),
                g.Sum(j => j.Connections.Count),
                g.Sum(j => Math.Max(0, j.Connections.Count - 1)),
                Histogram(g.SelectMany(j => j.Connections).Select(c => Normalize(c.End))),
                g.Sum(j => j.TerminalAtSameSeq))),
            Faults = faults,
            Health = outages,
            HealthTransitions = health.Transitions.Take(400).ToList(),
            Http = client.Tally.Counts,
            ServerErrors = client.Tally.ServerErrors,
            ServerErrorSamples = client.Tally.ServerErrorSamples.Take(50).ToList(),
            InitiateAttempts = Histogram(jobs.Select(j => (j.Initiate?.Attempts ?? 0).ToString())),
            MachineLoad = sampler.Load,
            ProcessSamples = sampler.Samples,
            ProcessTrends = Trends(sampler.Samples),
        };
    }

    /// <summary>Per process slot, RSS and handles after the first quarter of the run (at most 5 minutes) of warm-up.</summary>
    private static List<ProcessTrend> Trends(IReadOnlyList<ProcessSample> samples)
    {
        if (samples.Count == 0)
        {
            return [];
        }

        var end = samples.Max(s => s.Second);
        var warmUp = Math.Min(300, end / 4);
        return samples
            .Where(s => s.Second >= warmUp)
            .GroupBy(s => (s.Process, s.Generation))
            .Select(g =>
            {
                var rss = g.Select(s => s.RssMb).ToList();
                var mean = rss.Average();
                return new ProcessTrend(
                    g.Key.Generation == 1 ? g.Key.Process : $"{g.Key.Process}#{g.Key.Generation}",
                    rss.Count,
                    warmUp,
                    Math.Round(mean, 1),
                    rss.Min(),
                    rss.Max(),
                    rss[0],
                    rss[^1],
                    Math.Round(rss.Max(x => Math.Abs(x - mean)) / mean * 100, 1),
                    g.Min(s => s.OpenFds),
                    g.Max(s => s.OpenFds),
                    g.Min(s => s.Threads),
                    g.Max(s => s.Threads));
            })
            .OrderBy(t => t.Process, StringComparer.Ordinal)
            .ToList();
    }

    private static Dictionary<string, int> Histogram(IEnumerable<string> values) =>
        values.GroupBy(v => v).OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>A connection's end without the parts that differ every time (messages, descriptions).</summary>
    private static string Normalize(string end)
    {
        if (end.StartsWith("close ", StringComparison.Ordinal))
        {
            return string.Join(' ', end.Split(' ').Take(2));
        }

        foreach (var prefix in new[] { "aborted: ", "connect failed: " })
        {
            if (end.StartsWith(prefix, StringComparison.Ordinal))
            {
                return prefix + end[prefix.Length..].Split(':')[0];
            }
        }

        return end;
    }
}
