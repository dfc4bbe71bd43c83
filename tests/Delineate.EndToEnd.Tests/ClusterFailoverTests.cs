using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace Delineate.EndToEnd.Tests;

/// <summary>
/// The clustered deployment with real Redis and S3 (s3rver): two silo processes, one gateway.
/// A silo is killed with SIGKILL in the middle of 20 jobs; every job must still finish with a
/// correct archive, and no file may be looked up again once it was recorded done.
/// </summary>
public sealed partial class ClusterFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int JobCount = 20;
    private const int JobConcurrency = 2;
    private const string Bucket = "downloads";
    private const string FirstSilo = "silo-1";
    private const string SecondSilo = "silo-2";
    private const string GatewayClient = "gateway";

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SeedTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan RecoveryTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StatusRequestTimeout = TimeSpan.FromSeconds(5);

    private readonly string _clusterId = $"e2e-{Guid.NewGuid():N}";
    private readonly ConcurrentDictionary<int, byte[]> _sourceBytes = new();
    private readonly HttpClient _s3Direct = new();
    private TestDirectory? _directory;
    private RedisServer? _redis;
    private S3Server? _s3;
    private CountingS3Proxy? _proxy;
    private SiloProcess? _firstSilo;
    private SiloProcess? _secondSilo;
    private GatewayProcess? _gateway;
    private DownloadApiClient? _api;
    private int _statusTimeouts;

    private DownloadApiClient Api => _api!;

    public async Task InitializeAsync()
    {
        _directory = TestDirectory.Create("cluster-failover");
        output.WriteLine($"logs: {_directory.Path}");
        _redis = await RedisServer.StartAsync(_directory);
        _s3 = await S3Server.StartAsync(_directory);
        _proxy = await CountingS3Proxy.StartAsync(_s3.Endpoint, FirstSilo, SecondSilo, GatewayClient);

        // The seed writes straight to s3rver: its requests are not the jobs' and are not counted.
        var seed = await ServiceProcess.RunCommandAsync(
            "seed", RepositoryLayout.SiloDll, ["seed", "70000-73000"], ClusterEnvironment(_s3.Endpoint), _directory, SeedTimeout);
        await using (seed)
        {
            Assert.True(seed.ExitCode == 0, $"`Delineate.Silo.dll seed 70000-73000` exited with {seed.ExitCode}\n{seed.Tail()}");
        }

        // Started one after the other: the first is the one the drill kills.
        _firstSilo = await SiloProcess.StartAsync(FirstSilo, ClusterEnvironment(_proxy.EndpointFor(FirstSilo)), _directory);
        _secondSilo = await SiloProcess.StartAsync(SecondSilo, ClusterEnvironment(_proxy.EndpointFor(SecondSilo)), _directory);
        _gateway = await GatewayProcess.StartClusteredAsync(_directory, ClusterEnvironment(_proxy.EndpointFor(GatewayClient)));
        _api = new DownloadApiClient(_gateway.BaseAddress, Diagnostics);
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        _s3Direct.Dispose();
        foreach (var process in new IAsyncDisposable?[] { _gateway, _firstSilo, _secondSilo, _proxy, _s3, _redis })
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }
        }

        _directory?.Dispose();
    }

    [Fact]
    public async Task Killing_a_silo_mid_run_loses_no_job_and_refetches_only_files_in_flight()
    {
        foreach (var service in new[] { _firstSilo!.Service, _secondSilo!.Service, _gateway!.Service })
        {
            await service.WaitUntilReadyAsync(ReadyTimeout);
        }

        // Job k: ten available files 70000 + 140k + 7i, and one missing one; no id is shared.
        var jobs = new List<InitiatedJob>();
        for (var k = 0; k < JobCount; k++)
        {
            var ids = Enumerable.Range(0, 10).Select(i => 70000 + (k * 140) + (i * 7)).Append(70001 + (k * 140)).ToArray();
            jobs.Add(await Api.InitiateAsync(ids));
        }

        var jobOfFile = jobs.SelectMany(job => job.FileIds.Select(id => (id, job.JobId))).ToDictionary(p => p.id, p => p.JobId);
        var lastStatuses = new ConcurrentDictionary<string, JsonElement>();

        // Kill a silo once work is under way and it holds at least one unfinished job: the first
        // silo when it does. Orleans 9.2+ places by resource use, not at random, so all jobs may
        // sit on one silo; then that one is killed and every job must move.
        SiloProcess[] silos = [_firstSilo!, _secondSilo!];
        SiloProcess? victim = null;
        var polls = 0;
        await Poll.UntilAsync(
            "a silo to be in the middle of a job",
            TimeSpan.FromSeconds(60),
            async ct =>
            {
                polls++;
                await RefreshStatusesAsync(jobs, lastStatuses, ct);
                if (lastStatuses.Count == JobCount && lastStatuses.Values.All(s => JobStatuses.IsTerminal(s.String("status"))))
                {
                    throw new PollAbortedException($"every job finished before the drill could kill a silo mid-run: the jobs are too short; polls: {polls}, {string.Join("; ", silos.Select(silo => $"{silo.Name}: {JobsOn(silo, jobs, jobOfFile).Count} jobs"))}; {StatusSummary(lastStatuses)}");
                }

                var filesDone = lastStatuses.Values.Sum(s => s.Long("filesDone"));
                victim = silos.FirstOrDefault(silo => JobsOn(silo, jobs, jobOfFile)
                    .Any(id => lastStatuses.TryGetValue(id, out var s) && !JobStatuses.IsTerminal(s.String("status"))));
                return filesDone >= 10 && victim is not null;
            },
            () => $"{StatusSummary(lastStatuses)}\n{Diagnostics()}",
            TimeSpan.FromMilliseconds(50));

        var killed = victim!;
        var survivor = silos.Single(silo => silo != killed);
        killed.Kill();
        var killClock = Stopwatch.StartNew();
        var jobsOnKilledSilo = JobsOn(killed, jobs, jobOfFile);
        output.WriteLine(
            $"killed {killed.Name} (pid {killed.Process.Pid}) at {DateTimeOffset.Now:HH:mm:ss.fff}: {jobsOnKilledSilo.Count} of {JobCount} jobs ran there, " +
            $"{JobsOn(survivor, jobs, jobOfFile).Count} on {survivor.Name}; at the kill: {StatusSummary(lastStatuses)}");

        await Poll.UntilAsync(
            $"all {JobCount} jobs to finish after {killed.Name} was killed",
            RecoveryTimeout,
            async ct =>
            {
                await RefreshStatusesAsync(jobs, lastStatuses, ct);
                return lastStatuses.Count == JobCount && lastStatuses.Values.All(s => JobStatuses.IsTerminal(s.String("status")));
            },
            () => $"{StatusSummary(lastStatuses)}\n{Diagnostics()}",
            TimeSpan.FromMilliseconds(500));
        output.WriteLine(
            $"all jobs finished {killClock.Elapsed.TotalSeconds:F1} s after the kill: {StatusSummary(lastStatuses)}; " +
            $"{_statusTimeouts} status requests got no answer within {StatusRequestTimeout.TotalSeconds:F0} s");
        Assert.False(survivor.Process.HasExited, $"{survivor.Name} died\n{survivor.Process.Tail()}");

        foreach (var job in jobs)
        {
            await CompletedJobAssert.CompletedWithArchiveAsync(Api, lastStatuses[job.JobId], job.FileIds, (id, _) => SourceBytesAsync(id));
        }

        AssertNoFileLookedUpAgainOnceDone(jobs, killed.Name, jobsOnKilledSilo);
    }

    private void AssertNoFileLookedUpAgainOnceDone(IReadOnlyList<InitiatedJob> jobs, string killedSilo, IReadOnlySet<string> jobsOnKilledSilo)
    {
        var requests = _proxy!.Requests;
        var lookups = requests
            .Where(r => r.Method == "HEAD" && r.Client is FirstSilo or SecondSilo)
            .Select(r => SourceFileId(r.Path))
            .Where(id => id is not null)
            .GroupBy(id => id!.Value)
            .ToDictionary(g => g.Key, g => g.Count());
        var methods = string.Join(", ", requests
            .GroupBy(RequestShape)
            .Select(g => $"{g.Key} ×{g.Count()}"));
        output.WriteLine($"S3 requests through the proxy: {methods}");

        var perJob = jobs.ToDictionary(
            job => job.JobId,
            job => job.FileIds.ToDictionary(id => id, id => lookups.GetValueOrDefault(id)));
        var report = string.Join('\n', perJob.Select(job =>
            $"{job.Key}{(jobsOnKilledSilo.Contains(job.Key) ? $" (on {killedSilo})" : "")}: " +
            string.Join(' ', job.Value.Select(f => $"{f.Key}×{f.Value}"))));
        output.WriteLine($"HEAD downloads/{{id}}.zip per file:\n{report}");

        var neverLookedUp = perJob.Values.SelectMany(files => files).Where(f => f.Value == 0).Select(f => f.Key).ToList();
        Assert.True(
            neverLookedUp.Count == 0,
            $"no HEAD downloads/{{id}}.zip seen for files [{string.Join(',', neverLookedUp)}]; requests seen: {methods}\n{report}");

        foreach (var (jobId, files) in perJob.Where(job => !jobsOnKilledSilo.Contains(job.Key)))
        {
            var repeated = files.Where(f => f.Value != 1).ToList();
            Assert.True(
                repeated.Count == 0,
                $"job {jobId} never ran on {killedSilo}, yet files were looked up more than once: " +
                $"{string.Join(' ', repeated.Select(f => $"{f.Key}×{f.Value}"))}\n{report}");
        }

        var totalRepeats = perJob.Values.SelectMany(files => files).Sum(f => Math.Max(0, f.Value - 1));
        var allowed = jobsOnKilledSilo.Count * JobConcurrency;
        Assert.True(
            totalRepeats <= allowed,
            $"{totalRepeats} repeated lookups; at most {allowed} allowed ({jobsOnKilledSilo.Count} jobs on {killedSilo} × JOB_CONCURRENCY {JobConcurrency}: only files in flight may be fetched again)\n{report}");
    }

    /// <summary>
    /// Jobs that ran on <paramref name="silo"/>: it sent a source request for one of their files, or
    /// its log says the job started there.
    /// </summary>
    private HashSet<string> JobsOn(SiloProcess silo, IEnumerable<InitiatedJob> jobs, IReadOnlyDictionary<int, string> jobOfFile) =>
        JobsTouchedBy(silo.Name, jobOfFile).Union(JobsLoggedAsStarted(silo.Process, jobs)).ToHashSet();

    /// <summary>Jobs whose id the silo's log mentions on a line saying "started" (the silo logs <c>Job {JobId} started</c>).</summary>
    private static HashSet<string> JobsLoggedAsStarted(ManagedProcess silo, IEnumerable<InitiatedJob> jobs)
    {
        var startedLines = silo.ReadLog()
            .Split('\n')
            .Where(line => line.Contains("started", StringComparison.OrdinalIgnoreCase))
            .ToList();
        return jobs
            .Where(job => startedLines.Any(line => line.Contains(job.JobId, StringComparison.OrdinalIgnoreCase)))
            .Select(job => job.JobId)
            .ToHashSet();
    }

    /// <summary>"client METHOD /bucket/prefix/…?parameter-names", for a readable summary of the S3 traffic.</summary>
    private static string RequestShape(S3Request request)
    {
        var segments = request.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var path = segments.Length <= 2 ? request.Path : $"/{segments[0]}/{segments[1]}/…";
        return $"{request.Client} {request.Method} {path}{QueryNames(request.Query)}";
    }

    private static string QueryNames(string query) =>
        query.Length <= 1
            ? ""
            : "?" + string.Join('&', query.TrimStart('?').Split('&').Select(pair => pair.Split('=')[0]).Where(name => !name.StartsWith("X-Amz-", StringComparison.OrdinalIgnoreCase)));

    /// <summary>Jobs with at least one source request from <paramref name="client"/>: the jobs that ran there.</summary>
    private HashSet<string> JobsTouchedBy(string client, IReadOnlyDictionary<int, string> jobOfFile) =>
        _proxy!.Requests
            .Where(r => r.Client == client)
            .Select(r => SourceFileId(r.Path))
            .Where(id => id is not null && jobOfFile.ContainsKey(id.Value))
            .Select(id => jobOfFile[id!.Value])
            .ToHashSet();

    /// <summary>
    /// Asks for the status of every unfinished job at once, each with its own short timeout, so one
    /// request stuck on the dead silo does not hide the others' progress. Slow answers are counted.
    /// </summary>
    private async Task RefreshStatusesAsync(IEnumerable<InitiatedJob> jobs, ConcurrentDictionary<string, JsonElement> statuses, CancellationToken ct)
    {
        var unfinished = jobs.Where(job => !statuses.TryGetValue(job.JobId, out var known) || !JobStatuses.IsTerminal(known.String("status")));
        await Task.WhenAll(unfinished.Select(async job =>
        {
            var clock = Stopwatch.StartNew();
            var status = await Api.TryGetStatusAsync(job.JobId, StatusRequestTimeout, ct);
            if (status is { } answered)
            {
                statuses[job.JobId] = answered;
            }
            else if (clock.Elapsed >= StatusRequestTimeout)
            {
                Interlocked.Increment(ref _statusTimeouts);
            }
        }));
    }

    private async Task<byte[]> SourceBytesAsync(int fileId)
    {
        if (_sourceBytes.TryGetValue(fileId, out var cached))
        {
            return cached;
        }

        var uri = _s3!.ObjectUri(Bucket, $"downloads/{fileId}.zip");
        using var response = await _s3Direct.GetAsync(uri);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"source object GET {uri} answered {(int)response.StatusCode}");
        var bytes = await response.Content.ReadAsByteArrayAsync();
        _sourceBytes[fileId] = bytes;
        return bytes;
    }

    private Dictionary<string, string?> ClusterEnvironment(Uri s3Endpoint) => S3Server.ClientEnvironment(s3Endpoint, Bucket).With(new Dictionary<string, string?>
    {
        ["REDIS_HOST"] = "127.0.0.1",
        ["REDIS_PORT"] = _redis!.Port.ToString(),
        ["ORLEANS_CLUSTER_ID"] = _clusterId,
        ["ORLEANS_SERVICE_ID"] = _clusterId,
        ["ORLEANS_FAST_FAILOVER"] = "true",
        ["ORLEANS_REMINDER_PERIOD_SECONDS"] = "1",
        ["DOWNLOAD_DELAY_ENABLED"] = "true",
        // Jobs of ~6-12 s (11 files, two at a time): long enough that a loaded machine still polls
        // one mid-run before it ends (at 300-800 ms the whole batch could finish first).
        ["DOWNLOAD_DELAY_MIN_MS"] = "800",
        ["DOWNLOAD_DELAY_MAX_MS"] = "1600",
        ["JOB_CONCURRENCY"] = JobConcurrency.ToString(),
        // The test polls 20 jobs every 50 ms: the default 100 requests a minute would answer 429.
        ["RATE_LIMIT_MAX_REQUESTS"] = "1000000",
        ["MAX_JOBS_PER_ADDRESS_PER_MINUTE"] = "100000000",
    });

    private string Diagnostics() =>
        string.Join('\n', new[] { _gateway?.Process, _firstSilo?.Process, _secondSilo?.Process }
            .Where(p => p is not null)
            .Select(p => p!.Tail(40)));

    private static string StatusSummary(IReadOnlyDictionary<string, JsonElement> statuses) =>
        string.Join(", ", statuses.Values
            .GroupBy(s => s.String("status"))
            .Select(g => $"{g.Key}: {g.Count()}")) +
        $"; files done {statuses.Values.Sum(s => s.Long("filesDone"))}";

    private static int? SourceFileId(string path)
    {
        var match = SourceKeyPattern().Match(path);
        return match.Success ? int.Parse(match.Groups[1].Value) : null;
    }

    [GeneratedRegex(@"^/downloads/downloads/(\d+)\.zip$")]
    private static partial Regex SourceKeyPattern();
}
