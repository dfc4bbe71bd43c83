using System.Diagnostics;
using System.Net;

namespace Delineate.Drills.Tests.Cluster;

/// <summary>
/// The clustered deployment a drill runs against: redis-server with an append-only file, s3rver
/// seeded with the synthetic catalogue, N silo processes and M gateway processes, all on loopback,
/// each restartable. Logs stay under <see cref="Directory"/> after the run.
/// </summary>
public sealed class DrillCluster : IAsyncDisposable
{
    public const string Bucket = "downloads";
    private static readonly TimeSpan SeedTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);

    private readonly HttpClient _probe = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromSeconds(5) })
    {
        Timeout = TimeSpan.FromSeconds(5),
    };

    private DrillCluster(TestDirectory directory, DrillClusterOptions options, string clusterId)
    {
        Directory = directory;
        Options = options;
        ClusterId = clusterId;
        Silos = Enumerable.Range(1, options.Silos).Select(i => new ServiceSlot($"silo-{i}", ServiceKind.Silo)).ToList();
        Gateways = Enumerable.Range(1, options.Gateways).Select(i => new ServiceSlot($"gateway-{i}", ServiceKind.Gateway)).ToList();
    }

    public TestDirectory Directory { get; }

    public DrillClusterOptions Options { get; }

    public string ClusterId { get; }

    public AofRedisServer Redis { get; private set; } = null!;

    public S3Server S3 { get; private set; } = null!;

    /// <summary>The fault-injecting proxy the services use to reach S3, when the options ask for one.</summary>
    public FaultyS3Proxy? S3Proxy { get; private set; }

    public IReadOnlyList<ServiceSlot> Silos { get; }

    public IReadOnlyList<ServiceSlot> Gateways { get; }

    public IEnumerable<ServiceSlot> AllServices => Silos.Concat(Gateways);

    /// <summary>Base addresses of the gateways that are running now.</summary>
    public IReadOnlyList<Uri> LiveGateways => Gateways.Select(g => g.Current?.BaseAddress).OfType<Uri>().ToList();

    /// <summary>Starts everything, seeds the source and waits until every silo and gateway is ready.</summary>
    public static async Task<DrillCluster> StartAsync(string name, DrillClusterOptions options, Action<string> log)
    {
        var directory = TestDirectory.Create(name);
        var cluster = new DrillCluster(directory, options, $"drill-{Guid.NewGuid():N}");
        try
        {
            log($"drill cluster logs: {directory.Path}");
            var clock = Stopwatch.StartNew();
            cluster.Redis = await AofRedisServer.StartAsync(directory);
            cluster.S3 = await S3Server.StartAsync(directory);
            if (options.S3Proxy)
            {
                cluster.S3Proxy = await FaultyS3Proxy.StartAsync(cluster.S3.Endpoint);
            }

            // The seed writes straight to s3rver, never through the fault proxy.
            var seed = await ServiceProcess.RunCommandAsync(
                "seed", RepositoryLayout.SiloDll, ["seed", $"{options.SeedFrom}-{options.SeedTo}"], cluster.Environment(direct: true), directory, SeedTimeout);
            await using (seed)
            {
                if (seed.ExitCode != 0)
                {
                    throw new InvalidOperationException($"seed {options.SeedFrom}-{options.SeedTo} exited with {seed.ExitCode}\n{seed.Tail()}");
                }
            }

            log($"redis :{cluster.Redis.Port}, s3rver :{cluster.S3.Port}, seeded {options.SeedFrom}-{options.SeedTo} in {clock.Elapsed.TotalSeconds:F1} s");
            await Task.WhenAll(cluster.Silos.Select(cluster.StartServiceAsync));
            await Task.WhenAll(cluster.Gateways.Select(cluster.StartServiceAsync));
            await Task.WhenAll(cluster.AllServices.Select(slot => cluster.WaitUntilReadyAsync(slot, ReadyTimeout)));
            log($"{options.Silos} silos and {options.Gateways} gateways ready {clock.Elapsed.TotalSeconds:F1} s after start: " +
                string.Join(", ", cluster.AllServices));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The variables every process gets; <paramref name="direct"/> points S3 at s3rver itself even when a proxy is in use.</summary>
    public Dictionary<string, string?> Environment(bool direct = false)
    {
        var o = Options;
        var s3 = direct || S3Proxy is null ? S3.Endpoint : S3Proxy.Endpoint;
        var environment = new Dictionary<string, string?>
        {
            ["REDIS_HOST"] = "127.0.0.1",
            ["REDIS_PORT"] = Redis.Port.ToString(),
            ["S3_ENDPOINT"] = s3.ToString().TrimEnd('/'),
            ["S3_REGION"] = "us-east-1",
            ["S3_ACCESS_KEY_ID"] = "S3RVER",
            ["S3_SECRET_ACCESS_KEY"] = "S3RVER",
            ["S3_BUCKET_NAME"] = Bucket,
            ["S3_FORCE_PATH_STYLE"] = "true",
            ["FILE_SOURCE"] = "s3",
            ["ORLEANS_CLUSTER_ID"] = ClusterId,
            ["ORLEANS_SERVICE_ID"] = ClusterId,
            ["ORLEANS_FAST_FAILOVER"] = "true",
            ["ORLEANS_REMINDER_PERIOD_SECONDS"] = "1",
            ["DOWNLOAD_DELAY_ENABLED"] = "true",
            ["DOWNLOAD_DELAY_MIN_MS"] = o.DelayMinMs.ToString(),
            ["DOWNLOAD_DELAY_MAX_MS"] = o.DelayMaxMs.ToString(),
            ["JOB_CONCURRENCY"] = o.JobConcurrency.ToString(),
            ["JOB_MAX_ATTEMPTS"] = o.MaxAttempts.ToString(),
            ["JOB_RETRY_BASE_DELAY_MS"] = o.RetryBaseDelayMs.ToString(),
            ["JOB_TIMEOUT_MS"] = o.TimeoutMs.ToString(),
            ["JOB_TTL_SECONDS"] = o.TtlSeconds.ToString(),
            ["RATE_LIMIT_MAX_REQUESTS"] = "1000000",
            ["MAX_ACTIVE_JOBS_PER_OWNER"] = "1000000",
            ["MAX_ACTIVE_JOBS"] = "100000000",
            ["MAX_JOBS_PER_ADDRESS_PER_MINUTE"] = "100000000",
            ["MAX_STREAMS_PER_ADDRESS"] = "1000000",
            ["MAX_STREAMS_PER_OWNER"] = "1000000",
        };
        foreach (var (key, value) in o.Extra)
        {
            environment[key] = value;
        }

        return environment;
    }

    /// <summary>Starts the slot's process (again); waits for liveness only (readiness may wait on a dependency that is down).</summary>
    public async Task StartServiceAsync(ServiceSlot slot)
    {
        if (slot.Detach() is { } previous)
        {
            await previous.DisposeAsync();
        }

        var process = slot.Kind == ServiceKind.Silo
            ? (await SiloProcess.StartAsync(slot.Name, Environment(), Directory)).Service
            : (await GatewayProcess.StartClusteredAsync(Directory, Environment(), slot.Name)).Service;
        slot.Attach(process);
    }

    /// <summary>kill -9 the slot's process and wait until it is gone.</summary>
    public async Task<int> KillAsync(ServiceSlot slot)
    {
        var process = slot.Current ?? throw new InvalidOperationException($"{slot.Name} is not running.");
        var pid = process.Process.Pid;
        process.Process.Kill();
        await process.Process.WaitForExitAsync(TimeSpan.FromSeconds(10));
        return pid;
    }

    /// <summary>SIGTERM; SIGKILL after <paramref name="deadline"/>. Returns whether it exited by itself, and how long it took.</summary>
    public async Task<(bool Graceful, TimeSpan Took, int Pid, int? ExitCode)> StopGracefullyAsync(ServiceSlot slot, TimeSpan deadline)
    {
        var process = slot.Current ?? throw new InvalidOperationException($"{slot.Name} is not running.");
        var clock = Stopwatch.StartNew();
        var graceful = await process.Process.StopGracefullyAsync(deadline);
        return (graceful, clock.Elapsed, process.Process.Pid, process.Process.ExitCode);
    }

    public async Task WaitUntilReadyAsync(ServiceSlot slot, TimeSpan timeout)
    {
        var last = "";
        await Poll.UntilAsync(
            $"{slot.Name} to answer 200 on /health/ready",
            timeout,
            async ct =>
            {
                var process = slot.Current ?? throw new InvalidOperationException($"{slot.Name} is down");
                process.Process.ThrowIfExited();
                using var response = await _probe.GetAsync(new Uri(process.BaseAddress, "/health/ready"), ct);
                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}";
                return response.StatusCode == HttpStatusCode.OK;
            },
            () => $"last answer: {last}\n{slot.Last?.Process.Tail(40)}",
            TimeSpan.FromMilliseconds(250));
    }

    /// <summary>The last lines of every silo's and gateway's log.</summary>
    public string Diagnostics(int lines = 30) =>
        string.Join('\n', AllServices.Select(s => s.Last?.Process.Tail(lines)).OfType<string>());

    public async ValueTask DisposeAsync()
    {
        _probe.Dispose();
        foreach (var slot in AllServices)
        {
            if (slot.Detach() is { } process)
            {
                await process.DisposeAsync();
            }
        }

        if (S3Proxy is not null)
        {
            await S3Proxy.DisposeAsync();
        }

        if (S3 is not null)
        {
            await S3.DisposeAsync();
        }

        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        Directory.Dispose();
    }
}
