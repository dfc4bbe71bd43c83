using System.Diagnostics;
using System.Globalization;
using System.Text;
using Delineate.Drills.Tests.Load;
using Delineate.Drills.Tests.Verification;

namespace Delineate.Drills.Tests.Scaling;

/// <summary>
/// Issue #6: <c>scripts/cluster.sh</c> as a user runs it. Three silos, 50 jobs, a fourth silo added
/// and an original silo removed gracefully while the jobs run: every job completes and every
/// archive holds exactly its ready files, byte for byte. The script keeps its state in a
/// temporary <c>CLUSTER_DIR</c>, and <c>cluster.sh down</c> stops what it started.
/// </summary>
[Trait("Category", "Scaling")]
public sealed class ClusterScriptTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Jobs = 50;
    private const int FilesPerJob = 12;
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(4);

    private readonly TestDirectory _directory = TestDirectory.Create("cluster-script");
    private readonly List<string> _transcript = [];

    private string ClusterDir => Path.Combine(_directory.Path, "cluster");

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        try
        {
            await RunScriptAsync("down");
        }
        finally
        {
            // The logs stay (their path is in failure messages); the S3 objects go.
            var data = Path.Combine(ClusterDir, "data");
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }

            _directory.Dispose();
        }
    }

    [Fact]
    public async Task Fifty_jobs_complete_while_a_silo_is_added_and_another_removed()
    {
        await RunScriptAsync("up", "--silos", "3", "--no-build");
        var gateway = new Uri($"http://127.0.0.1:{Recorded("run/gateway-1.ports", "HTTP_PORT")}");
        var s3 = new Uri($"http://127.0.0.1:{Recorded("cluster.env", "S3_PORT")}");
        using var api = new DownloadApiClient(gateway, Logs);
        using var direct = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };

        // Half the jobs before the cluster grows, half after: the new silo can be given work too.
        var random = new Random(6);
        var jobs = new List<JobRecord>();
        await InitiateAsync(api, jobs, random, Jobs / 2);
        await RunScriptAsync("add-silo");
        await InitiateAsync(api, jobs, random, Jobs - jobs.Count);

        // The removed silo must be running jobs when it goes, or the test proves nothing.
        var silo1 = new Uri($"http://127.0.0.1:{Recorded("run/silo-1.ports", "HTTP_PORT")}");
        var activeOnSilo1 = await ActiveJobsAsync(direct, silo1);
        var unfinished = await CountUnfinishedAsync(api, jobs);
        output.WriteLine($"removing silo-1 with {activeOnSilo1} active job(s) on it; {unfinished} of {Jobs} jobs unfinished");
        Assert.True(activeOnSilo1 > 0, $"silo-1 ran no job when it was removed; the jobs ran too fast for the test to mean anything\n{Logs()}");
        await RunScriptAsync("remove-silo", "silo-1");

        var verifier = new JobVerifier(new SourceObjects(new Uri(s3, "/downloads/"), direct), direct, maxAttempts: 3, JobTimeout);
        var problems = new List<string>();
        var verified = 0;
        foreach (var job in jobs)
        {
            var status = await api.WaitForTerminalStatusAsync(job.JobId!, JobTimeout);
            var verdict = await verifier.VerifyAsync(job, status);
            if (verdict.Status != JobStatuses.Completed)
            {
                problems.Add($"{job.JobId}: {verdict.Status} ({verdict.Error})");
            }

            problems.AddRange(verdict.Problems.Select(p => $"{job.JobId}: {p}"));
            verified += verdict.ArchiveVerified ? 1 : 0;
        }

        var silo4 = new Uri($"http://127.0.0.1:{Recorded("run/silo-4.ports", "HTTP_PORT")}");
        output.WriteLine($"{verified} of {Jobs} archives verified; silo-4 metrics: {await MetricAsync(direct, silo4, "delineate_jobs_initiated_total")} initiated, {await MetricAsync(direct, silo4, "delineate_jobs_resumed_total")} resumed");
        Assert.True(problems.Count == 0, string.Join('\n', problems) + "\n" + Logs());
        Assert.Equal(Jobs, verified);
        Assert.False(File.Exists(Path.Combine(ClusterDir, "run", "silo-1.pid")), "remove-silo left silo-1's record behind");
    }

    private async Task InitiateAsync(DownloadApiClient api, List<JobRecord> jobs, Random random, int count)
    {
        for (var i = 0; i < count; i++)
        {
            // Mostly files that exist (ids divisible by 7 in the seeded 70000-72000), one that does not.
            var fileIds = Enumerable.Range(0, FilesPerJob - 1).Select(_ => 70000 + (7 * random.Next(0, 285))).Append(70001 + (7 * random.Next(0, 285))).ToList();
            var initiated = await api.InitiateAsync(fileIds);
            var record = new JobRecord(jobs.Count, fileIds, "anonymous", FollowMode.Poll)
            {
                Initiate = new InitiateOutcome(initiated.JobId, IdempotencyKey: "", Attempts: 1, LastAnswer: "202", Problem: null),
            };
            jobs.Add(record);
        }
    }

    private static async Task<int> CountUnfinishedAsync(DownloadApiClient api, IEnumerable<JobRecord> jobs)
    {
        var unfinished = 0;
        foreach (var job in jobs)
        {
            var status = await api.GetStatusAsync(job.JobId!);
            unfinished += JobStatuses.IsTerminal(status.String("status")) ? 0 : 1;
        }

        return unfinished;
    }

    private static async Task<long> ActiveJobsAsync(HttpClient http, Uri silo) => (long)await MetricAsync(http, silo, "delineate_jobs_active");

    /// <summary>The sum of a metric's samples on a process's <c>/metrics</c> (Prometheus text format).</summary>
    private static async Task<double> MetricAsync(HttpClient http, Uri process, string name)
    {
        var text = await http.GetStringAsync(new Uri(process, "/metrics"));
        return text.Split('\n')
            .Where(line => line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary>A KEY=VALUE the script recorded under its CLUSTER_DIR.</summary>
    private string Recorded(string file, string key)
    {
        var path = Path.Combine(ClusterDir, file);
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key + "=", StringComparison.Ordinal));
        return line?[(key.Length + 1)..] ?? throw new InvalidOperationException($"{path} has no {key}");
    }

    private async Task RunScriptAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepositoryLayout.Root, "scripts", "cluster.sh"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryLayout.Root,
        };
        start.Environment["CLUSTER_DIR"] = ClusterDir;
        // Jobs long enough (12 files one at a time, 3-4 s each) to be running while silos come and go.
        start.Environment["JOB_CONCURRENCY"] = "1";
        start.Environment["JOB_MAX_ATTEMPTS"] = "3";
        start.Environment["DOWNLOAD_DELAY_ENABLED"] = "true";
        start.Environment["DOWNLOAD_DELAY_MIN_MS"] = "3000";
        start.Environment["DOWNLOAD_DELAY_MAX_MS"] = "4000";
        start.Environment["JOB_TIMEOUT_MS"] = ((int)JobTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
        start.Environment["RATE_LIMIT_MAX_REQUESTS"] = "1000000";
        start.Environment["MAX_JOBS_PER_ADDRESS_PER_MINUTE"] = "100000000";
        foreach (var inherited in new[] { "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "DOTNET_URLS", "PORT" })
        {
            start.Environment.Remove(inherited);
        }

        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(ScriptTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: false);
            throw new TimeoutException($"cluster.sh {string.Join(' ', arguments)} did not finish within {ScriptTimeout.TotalMinutes} minutes\n{Logs()}");
        }

        var text = new StringBuilder()
            .AppendLine($"$ cluster.sh {string.Join(' ', arguments)}  ({clock.Elapsed.TotalSeconds:F1} s, exit {process.ExitCode})")
            .Append(await stdout).Append(await stderr).ToString();
        _transcript.Add(text);
        output.WriteLine(text);
        Assert.True(process.ExitCode == 0, $"cluster.sh {string.Join(' ', arguments)} exited {process.ExitCode}\n{text}\n{Logs()}");
    }

    /// <summary>The script's transcript and the end of every process log, for failure messages.</summary>
    private string Logs()
    {
        var text = new StringBuilder().AppendJoin('\n', _transcript);
        var logs = Path.Combine(ClusterDir, "logs");
        if (Directory.Exists(logs))
        {
            foreach (var log in Directory.GetFiles(logs, "*.log").Order(StringComparer.Ordinal))
            {
                text.AppendLine($"--- {log} (last 15 lines)");
                foreach (var line in File.ReadLines(log).TakeLast(15))
                {
                    text.AppendLine(line);
                }
            }
        }

        return text.ToString();
    }
}
