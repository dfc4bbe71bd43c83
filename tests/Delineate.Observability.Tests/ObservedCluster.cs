using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Delineate.Client;

namespace Delineate.Observability.Tests;

[CollectionDefinition(Name)]
public sealed class ObservedClusterCollection : ICollectionFixture<ObservedCluster>
{
    public const string Name = "observed cluster";
}

/// <summary>What one HTTP request answered: status, headers of interest and body.</summary>
public sealed record Answer(HttpStatusCode Status, string? RequestIdHeader, string? WwwAuthenticate, string Body)
{
    public JsonElement Json => JsonElementExtensions.ParseJson(Body);

    public override string ToString() => $"{(int)Status} {Body}";
}

/// <summary>A job the scenario ran: why, its files, and how it ended.</summary>
public sealed record ScenarioJob(string Role, string JobId, IReadOnlyList<int> FileIds)
{
    public JsonElement FinalStatus { get; set; }

    public string Status => FinalStatus.ValueKind == JsonValueKind.Object ? FinalStatus.String("status") : "unknown";
}

/// <summary>The failover drill: the job, the trace it started, the silo killed under it and the one that finished it.</summary>
public sealed record FailoverRecord(ScenarioJob Job, string RequestId, string TraceId, SiloProcess Victim, SiloProcess Survivor)
{
    public string VictimInstanceId => ObservedCluster.InstanceId(Victim.Process);

    public string SurvivorInstanceId => ObservedCluster.InstanceId(Survivor.Process);
}

/// <summary>
/// The whole observed deployment and one scenario run against it, shared by every test of the
/// collection: Redis, s3rver behind a fault-injecting proxy, two silos and a clustered gateway
/// (each exporting OTLP traces to <see cref="Otlp"/> and errors to <see cref="Sentry"/>, with the
/// dashboard behind basic auth), and a real Prometheus scraping all three every second.
///
/// Phase 1 runs jobs that touch every documented metric and log/error path (completed, followed
/// over WebSocket and over SSE, one with a missing file, one with all missing, one cancelled, one
/// with a file whose lookups keep failing, one whose export upload fails so the job fails
/// fatally, and the Sentry test call), then records the dashboard, the /metrics scrapes and a
/// Prometheus time after those scrapes. Phase 2 kills (SIGKILL) the silo running a 12-file job
/// once its first fetch span has been exported; the survivor resumes it; a second Prometheus time
/// is recorded after the survivor's next scrape. The tests assert on what was recorded and query
/// Prometheus at those two times.
/// </summary>
public sealed class ObservedCluster : IAsyncLifetime
{
    public const string Bucket = "downloads";
    public const string DashboardUser = "observer";
    public const string DashboardPassword = "dashboard-secret-1";
    public const int PoisonedFile = 70056;
    public const int SeedFrom = 70000;
    public const int SeedTo = 70210;

    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ScrapeTimeout = TimeSpan.FromSeconds(30);

    private readonly string _clusterId = $"obs-{Guid.NewGuid():N}";
    private readonly List<string> _timeline = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private int _disposed;

    public TestDirectory Directory { get; private set; } = null!;
    public RedisServer Redis { get; private set; } = null!;
    public S3Server S3 { get; private set; } = null!;
    public FaultyS3Proxy Proxy { get; private set; } = null!;
    public OtlpTraceReceiver Otlp { get; private set; } = null!;
    public SentryReceiver Sentry { get; private set; } = null!;
    public SiloProcess FirstSilo { get; private set; } = null!;
    public SiloProcess SecondSilo { get; private set; } = null!;
    public GatewayProcess Gateway { get; private set; } = null!;
    public PrometheusServer Prometheus { get; private set; } = null!;
    public DownloadApiClient Api { get; private set; } = null!;

    public IReadOnlyList<SiloProcess> Silos => [FirstSilo, SecondSilo];

    public Dictionary<string, ScenarioJob> Jobs { get; } = [];

    /// <summary>The X-Request-ID sent with the WebSocket job's initiate, and the gateway's answer.</summary>
    public string InitiateRequestId { get; } = $"test-{Guid.NewGuid():N}";
    public Answer InitiateAnswer { get; private set; } = null!;

    public string SentryTestRequestId { get; } = $"test-{Guid.NewGuid():N}";
    public Answer SentryTestAnswer { get; private set; } = null!;

    public Answer CancelAnswer { get; private set; } = null!;
    public JobEventTranscript WebSocketTranscript { get; private set; } = null!;
    public IReadOnlyList<JsonElement> SseEvents { get; private set; } = [];

    /// <summary>Dashboard answers recorded while both silos ran: per process, without and with credentials.</summary>
    public Dictionary<string, (Answer Anonymous, Answer AnonymousPage, Answer? Counters, Answer Page)> Dashboard { get; } = [];
    public Answer? DashboardReminders { get; private set; }

    /// <summary>/metrics of every process after phase 1, and of the survivor (and gateway) after the failover.</summary>
    public List<string> ScrapeFiles { get; } = [];

    /// <summary>Unix seconds: after Prometheus scraped every process following phase 1 (all up).</summary>
    public double BeforeKillTime { get; private set; }

    /// <summary>Unix seconds: after Prometheus scraped the gateway and the survivor following the failover.</summary>
    public double AfterFailoverTime { get; private set; }

    public FailoverRecord Failover { get; private set; } = null!;

    public static string InstanceId(ManagedProcess process) => $"{Environment.MachineName}:{process.Pid}";

    public async Task InitializeAsync()
    {
        try
        {
            await StartAndRunAsync();
        }
        catch
        {
            // Nothing this fixture started may outlive a failed start.
            await DisposeAsync();
            throw;
        }
    }

    private async Task StartAndRunAsync()
    {
        Directory = TestDirectory.Create("observability");
        Note($"logs in {Directory.Path}");
        Redis = await RedisServer.StartAsync(Directory);
        S3 = await S3Server.StartAsync(Directory);
        await SeedAsync();
        Proxy = await FaultyS3Proxy.StartAsync(S3.Endpoint);
        Otlp = await OtlpTraceReceiver.StartAsync();
        Sentry = await SentryReceiver.StartAsync();
        Note("redis, s3rver (seeded), fault proxy, OTLP and Sentry receivers up");

        var silos = await Task.WhenAll(
            SiloProcess.StartAsync("silo-1", ServiceEnvironment(Proxy.Endpoint), Directory),
            SiloProcess.StartAsync("silo-2", ServiceEnvironment(Proxy.Endpoint), Directory));
        FirstSilo = silos[0];
        SecondSilo = silos[1];
        Gateway = await GatewayProcess.StartClusteredAsync(Directory, ServiceEnvironment(S3.Endpoint));
        Api = new DownloadApiClient(Gateway.BaseAddress, Diagnostics);
        foreach (var service in new[] { FirstSilo.Service, SecondSilo.Service, Gateway.Service })
        {
            await service.WaitUntilReadyAsync(ReadyTimeout);
        }
        Note("silos and gateway ready");

        var rules = Path.Combine(Directory.Path, "alerts.yml");
        File.Copy(Path.Combine(RepositoryLayout.Root, "docker", "prometheus", "alerts.yml"), rules);
        Prometheus = await PrometheusServer.StartAsync(
            Directory,
            new Dictionary<string, IReadOnlyList<Uri>>
            {
                ["gateway"] = [Gateway.BaseAddress],
                ["silo"] = [FirstSilo.BaseAddress, SecondSilo.BaseAddress],
            },
            [rules]);
        Note($"prometheus up on {Prometheus.BaseAddress}");

        await RunJobsAsync();
        await RecordDashboardAsync();
        await ScrapeAsync("after-jobs", Gateway.BaseAddress, FirstSilo.BaseAddress, SecondSilo.BaseAddress);
        BeforeKillTime = await Prometheus.WaitForScrapesAfterAsync(
            DateTimeOffset.UtcNow, [Gateway.BaseAddress, FirstSilo.BaseAddress, SecondSilo.BaseAddress], ScrapeTimeout);
        Note("prometheus scraped every process after phase 1");

        await RunFailoverAsync();
        await ScrapeAsync("after-failover", Gateway.BaseAddress, Failover.Survivor.BaseAddress);
        AfterFailoverTime = await Prometheus.WaitForScrapesAfterAsync(
            DateTimeOffset.UtcNow, [Gateway.BaseAddress, Failover.Survivor.BaseAddress], ScrapeTimeout);
        Note("prometheus scraped the gateway and the survivor after the failover");
    }

    /// <summary>What the scenario did, with seconds since the fixture started.</summary>
    public string Timeline
    {
        get
        {
            lock (_timeline)
            {
                return string.Join('\n', _timeline);
            }
        }
    }

    /// <summary>The scenario's timeline and the processes' last lines, for failure messages.</summary>
    public string Diagnostics() =>
        $"timeline:\n{Timeline}\n" +
        string.Join('\n', new[] { Gateway?.Process, FirstSilo?.Process, SecondSilo?.Process }
            .Where(p => p is not null)
            .Select(p => p!.Tail(30)));

    private void Note(string text)
    {
        lock (_timeline)
        {
            _timeline.Add($"{_clock.Elapsed.TotalSeconds,6:F1} s  {text}");
        }
    }

    // ------------------------------------------------------------------------------------------
    // Phase 1: one job per path
    // ------------------------------------------------------------------------------------------

    private async Task RunJobsAsync()
    {
        var (ws, initiate) = await InitiateAsync("websocket", [70000, 70007, 70014], InitiateRequestId);
        InitiateAnswer = initiate;
        var webSocket = JobEventSocket.CollectUntilCloseAsync(JobEventSocket.SubscribeUri(Gateway.BaseAddress, ws.JobId), JobTimeout);
        var (sse, _) = await InitiateAsync("sse", [70021, 70028]);
        var serverSentEvents = FollowOverServerSentEventsAsync(sse.JobId);
        await InitiateAsync("missing", [70035, 70001]);
        await InitiateAsync("all-missing", [70002, 70003]);
        var (cancelled, _) = await InitiateAsync("cancelled", [70042, 70049, 70063, 70070]);
        CancelAnswer = await SendAsync(HttpMethod.Delete, $"/v1/download/{cancelled.JobId}");
        Note($"cancel answered {(int)CancelAnswer.Status}");

        // Every lookup of this file answers 503: retried up to JOB_MAX_ATTEMPTS, then failed.
        Proxy.Fail($"/downloads/{PoisonedFile}.zip");
        await InitiateAsync("retried", [70077, PoisonedFile]);

        // Its export upload answers 503 however often the bundle is retried: the job fails with an
        // internal error (the "job failed" error log). Set after the 202: the files take ≥ 400 ms each.
        var (fatal, _) = await InitiateAsync("fatal", [70084, 70091]);
        Proxy.Fail($"/exports/{fatal.JobId}.zip");

        SentryTestAnswer = await SendAsync(HttpMethod.Post, "/v1/download/check?sentry_test=true", "{\"file_id\":70000}", SentryTestRequestId);
        Note($"sentry test answered {(int)SentryTestAnswer.Status}");

        foreach (var job in Jobs.Values)
        {
            job.FinalStatus = await Api.WaitForTerminalStatusAsync(job.JobId, JobTimeout);
            Note($"job {job.Role} {job.JobId}: {job.Status}");
        }
        WebSocketTranscript = await webSocket;
        SseEvents = await serverSentEvents;
        Note($"websocket got {WebSocketTranscript.Messages.Count} messages, SSE {SseEvents.Count} events");
    }

    /// <summary>Every event of the job over SSE (the typed client, SSE only), to its end, each as the JSON the service sent.</summary>
    private async Task<IReadOnlyList<JsonElement>> FollowOverServerSentEventsAsync(string jobId)
    {
        using var client = new DelineateClient(new DelineateClientOptions { BaseAddress = Gateway.BaseAddress });
        using var deadline = new CancellationTokenSource(JobTimeout);
        var events = new List<JsonElement>();
        var watch = new WatchOptions { Transport = JobEventTransport.ServerSentEvents };
        await foreach (var e in client.WatchAsync(Guid.Parse(jobId), watch, deadline.Token))
        {
            events.Add(JsonSerializer.SerializeToElement(e, DelineateJson.Options));
        }
        return events;
    }

    private async Task<(ScenarioJob Job, Answer Answer)> InitiateAsync(string role, int[] fileIds, string? requestId = null)
    {
        var answer = await SendAsync(HttpMethod.Post, "/v1/download/initiate", JsonSerializer.Serialize(new { file_ids = fileIds }), requestId);
        if (answer.Status != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"initiate ({role}) answered {answer}\n{Diagnostics()}");
        }
        var job = new ScenarioJob(role, answer.Json.String("jobId"), fileIds);
        Jobs[role] = job;
        Note($"initiated {role} job {job.JobId} ({fileIds.Length} files)");
        return (job, answer);
    }

    private async Task<Answer> SendAsync(HttpMethod method, string path, string? json = null, string? requestId = null, AuthenticationHeaderValue? auth = null, Uri? baseAddress = null)
    {
        using var request = new HttpRequestMessage(method, new Uri(baseAddress ?? Gateway.BaseAddress, path));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        if (requestId is not null)
        {
            request.Headers.Add("X-Request-ID", requestId);
        }
        request.Headers.Authorization = auth;
        using var response = await Api.Http.SendAsync(request);
        return new Answer(
            response.StatusCode,
            response.Headers.TryGetValues("X-Request-ID", out var ids) ? ids.FirstOrDefault() : null,
            response.Headers.WwwAuthenticate.FirstOrDefault()?.ToString(),
            await response.Content.ReadAsStringAsync());
    }

    // ------------------------------------------------------------------------------------------
    // Dashboard and scrapes, while both silos run
    // ------------------------------------------------------------------------------------------

    public static AuthenticationHeaderValue DashboardCredentials =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{DashboardUser}:{DashboardPassword}")));

    private async Task RecordDashboardAsync()
    {
        var processes = new[] { ("gateway", Gateway.BaseAddress), (FirstSilo.Name, FirstSilo.BaseAddress), (SecondSilo.Name, SecondSilo.BaseAddress) };
        var expectedJobGrains = Jobs.Count;
        foreach (var (name, address) in processes)
        {
            var anonymous = await SendAsync(HttpMethod.Get, "/dashboard/DashboardCounters", baseAddress: address);
            var anonymousPage = await SendAsync(HttpMethod.Get, "/dashboard/", baseAddress: address);
            var page = await SendAsync(HttpMethod.Get, "/dashboard/", auth: DashboardCredentials, baseAddress: address);
            Answer? counters = null;
            try
            {
                // The counters are collected from the silos every second or so: wait for both silos and every job grain.
                await Poll.UntilAsync(
                    $"{name}'s dashboard to count two silos and {expectedJobGrains} job grains",
                    TimeSpan.FromSeconds(20),
                    async _ =>
                    {
                        counters = await SendAsync(HttpMethod.Get, "/dashboard/DashboardCounters", auth: DashboardCredentials, baseAddress: address);
                        return counters.Status == HttpStatusCode.OK
                            && DashboardView.ActiveHosts(counters.Json).Count >= 2
                            && DashboardView.Activations(counters.Json, "DownloadJobGrain") >= expectedJobGrains;
                    },
                    interval: TimeSpan.FromMilliseconds(500));
            }
            catch (TimeoutException ex)
            {
                Note($"{name}'s dashboard: {ex.Message.Split('\n')[0]}");
            }
            Dashboard[name] = (anonymous, anonymousPage, counters, page);
        }
        DashboardReminders = await SendAsync(HttpMethod.Get, "/dashboard/Reminders", auth: DashboardCredentials);
        Note("dashboard recorded");
    }

    private async Task ScrapeAsync(string label, params Uri[] addresses)
    {
        foreach (var address in addresses)
        {
            var answer = await SendAsync(HttpMethod.Get, "/metrics", baseAddress: address);
            if (answer.Status != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"GET {address}metrics answered {answer}");
            }
            var process = address == Gateway.BaseAddress ? "gateway" : Silos.Single(s => s.BaseAddress == address).Name;
            var path = Path.Combine(Directory.Path, $"scrape-{process}-{label}.prom");
            await File.WriteAllTextAsync(path, answer.Body);
            ScrapeFiles.Add(path);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Phase 2: kill the silo running a job
    // ------------------------------------------------------------------------------------------

    private async Task RunFailoverAsync()
    {
        var requestId = $"test-{Guid.NewGuid():N}";
        var fileIds = Enumerable.Range(0, 12).Select(i => 70098 + (7 * i)).ToArray();
        var (job, _) = await InitiateAsync("failover", fileIds, requestId);

        // The silo that runs it logs "Job <id> started", with the trace the job's spans join.
        LogLine? started = null;
        SiloProcess? victim = null;
        await Poll.UntilAsync(
            $"a silo to log that job {job.JobId} started",
            TimeSpan.FromSeconds(20),
            _ =>
            {
                foreach (var silo in Silos)
                {
                    started = ProcessLogLines.Read(silo.Process).FirstOrDefault(l => l.Message == $"Job {job.JobId} started");
                    if (started is not null)
                    {
                        victim = silo;
                        return Task.FromResult(true);
                    }
                }
                return Task.FromResult(false);
            },
            Diagnostics,
            TimeSpan.FromMilliseconds(50));
        var traceId = started!.Field("trace_id") ?? throw new InvalidOperationException($"no trace_id on {started}");
        var survivor = Silos.Single(s => s != victim);
        Note($"failover job {job.JobId} started on {victim!.Name}, trace {traceId}");

        // Kill once the silo has exported a fetch span of the job: spans written before the kill exist.
        var victimInstance = InstanceId(victim.Process);
        await Poll.UntilAsync(
            $"{victim.Name} to export a job.fetch span of trace {traceId}",
            TimeSpan.FromSeconds(20),
            async ct =>
            {
                if (Otlp.Trace(traceId).Any(s => s.Name == "job.fetch" && s.ServiceInstanceId == victimInstance))
                {
                    return true;
                }
                var status = await Api.TryGetStatusAsync(job.JobId, TimeSpan.FromSeconds(5), ct);
                if (status is { } s && JobStatuses.IsTerminal(s.String("status")))
                {
                    throw new PollAbortedException($"job {job.JobId} finished before a fetch span arrived: the per-file delay is too short for the drill");
                }
                return false;
            },
            () => $"spans of the trace: {string.Join("\n  ", Otlp.Trace(traceId))}\n{Diagnostics()}",
            TimeSpan.FromMilliseconds(50));
        victim.Kill();
        Note($"killed {victim.Name} (pid {victim.Process.Pid})");

        JsonElement? last = null;
        await Poll.UntilAsync(
            $"job {job.JobId} to finish on {survivor.Name}",
            TimeSpan.FromSeconds(90),
            async ct =>
            {
                last = await Api.TryGetStatusAsync(job.JobId, TimeSpan.FromSeconds(5), ct) ?? last;
                return last is { } s && JobStatuses.IsTerminal(s.String("status"));
            },
            () => $"last status: {last?.GetRawText() ?? "none"}\n{Diagnostics()}",
            TimeSpan.FromMilliseconds(250));
        job.FinalStatus = last!.Value;
        Note($"failover job {job.Status} after the kill");

        // job.run ends after job.bundle and may come in the next export batch: wait for both.
        var survivorInstance = InstanceId(survivor.Process);
        await Poll.UntilAsync(
            $"the job.bundle span and {survivor.Name}'s job.run span of trace {traceId} to arrive",
            TimeSpan.FromSeconds(20),
            _ => Task.FromResult(Otlp.Trace(traceId).Any(s => s.Name == "job.bundle")
                && Otlp.Trace(traceId).Any(s => s.Name == "job.run" && s.ServiceInstanceId == survivorInstance)),
            () => $"spans of the trace: {string.Join("\n  ", Otlp.Trace(traceId))}",
            TimeSpan.FromMilliseconds(100));
        Failover = new FailoverRecord(job, requestId, traceId, victim, survivor);
    }

    // ------------------------------------------------------------------------------------------

    private async Task SeedAsync()
    {
        // s3rver checks no signature: plain PUTs create the bucket and the source files.
        using var http = new HttpClient { BaseAddress = S3.Endpoint };
        using (var bucket = await http.PutAsync($"/{Bucket}", null))
        {
            bucket.EnsureSuccessStatusCode();
        }
        foreach (var id in Enumerable.Range(SeedFrom, SeedTo - SeedFrom + 1).Where(id => SyntheticCatalogue.Exists(id)))
        {
            var bytes = new byte[1024 + (id % 4096)];
            Random.Shared.NextBytes(bytes);
            using var put = await http.PutAsync($"/{Bucket}/downloads/{id}.zip", new ByteArrayContent(bytes));
            put.EnsureSuccessStatusCode();
        }
    }

    private Dictionary<string, string?> ServiceEnvironment(Uri s3Endpoint) => S3Server.ClientEnvironment(s3Endpoint, Bucket).With(new Dictionary<string, string?>
    {
        ["REDIS_HOST"] = "127.0.0.1",
        ["REDIS_PORT"] = Redis.Port.ToString(),
        ["ORLEANS_CLUSTER_ID"] = _clusterId,
        ["ORLEANS_SERVICE_ID"] = _clusterId,
        ["ORLEANS_FAST_FAILOVER"] = "true",
        ["ORLEANS_REMINDER_PERIOD_SECONDS"] = "1",
        ["DOWNLOAD_DELAY_ENABLED"] = "true",
        ["DOWNLOAD_DELAY_MIN_MS"] = "400",
        ["DOWNLOAD_DELAY_MAX_MS"] = "800",
        ["JOB_CONCURRENCY"] = "2",
        ["JOB_RETRY_BASE_DELAY_MS"] = "50",
        ["RATE_LIMIT_MAX_REQUESTS"] = "100000",
        ["MAX_JOBS_PER_ADDRESS_PER_MINUTE"] = "100000000",
        // Successful requests are logged at Debug (no Information line per accept); the log tests read them.
        ["Serilog__MinimumLevel__Override__Serilog.AspNetCore.RequestLoggingMiddleware"] = "Debug",
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Otlp.Endpoint.ToString().TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["SENTRY_DSN"] = Sentry.Dsn,
        // The sentry_test call is off by default; the Sentry tests use it.
        ["SENTRY_TEST_ENABLED"] = "true",
        ["DASHBOARD_USERNAME"] = DashboardUser,
        ["DASHBOARD_PASSWORD"] = DashboardPassword,
    });

    public async Task DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        Api?.Dispose();
        foreach (var owned in new IAsyncDisposable?[] { Prometheus, Gateway, FirstSilo, SecondSilo, Sentry, Otlp, Proxy, S3, Redis })
        {
            if (owned is not null)
            {
                await owned.DisposeAsync();
            }
        }
        Directory?.Dispose();
    }
}

/// <summary>Reads the Orleans Dashboard's <c>/dashboard/DashboardCounters</c> answer.</summary>
public static class DashboardView
{
    /// <summary>The silo addresses (<c>ip:port@generation</c>) the dashboard lists as Active.</summary>
    public static IReadOnlyList<string> ActiveHosts(JsonElement counters) =>
        counters.TryGetProperty("hosts", out var hosts)
            ? hosts.EnumerateArray()
                .Where(h => h.TryGetProperty("status", out var s) && s.GetString() == "Active")
                .Select(h => h.GetProperty("siloAddress").GetString() ?? "")
                .ToList()
            : [];

    /// <summary>Activations of grain types whose name ends with <paramref name="grainClass"/>, over all silos.</summary>
    public static long Activations(JsonElement counters, string grainClass) =>
        GrainStats(counters, grainClass).Sum(g => g.GetProperty("activationCount").GetInt64());

    public static IEnumerable<JsonElement> GrainStats(JsonElement counters, string grainClass) =>
        counters.TryGetProperty("simpleGrainStats", out var stats)
            ? stats.EnumerateArray().Where(g => (g.GetProperty("grainType").GetString() ?? "").EndsWith(grainClass, StringComparison.Ordinal))
            : [];
}
