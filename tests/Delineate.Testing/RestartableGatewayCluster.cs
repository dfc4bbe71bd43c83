namespace Delineate.Testing;

/// <summary>
/// The clustered deployment of the gateway-restart tests: real Redis, s3rver for exports, one silo
/// process and one clustered gateway on a port of its own, which a test stops and starts again on
/// the same address while a client follows a job. The silo, and so the job, keeps running. Jobs are
/// of synthetic files, one at a time, 0.3–0.9 s each.
/// </summary>
public sealed class RestartableGatewayCluster : IAsyncDisposable
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly List<IAsyncDisposable> _processes = [];
    private readonly TestDirectory _directory;
    private readonly string _clusterId;
    private readonly string _signingKey;
    private readonly int _gatewayPort = FreePorts.Allocate();
    private RedisServer? _redis;
    private S3Server? _s3;
    private ServiceProcess? _gateway;

    private RestartableGatewayCluster(TestDirectory directory, string clusterPrefix, string signingKey)
    {
        _directory = directory;
        _clusterId = $"{clusterPrefix}-{Guid.NewGuid():N}";
        _signingKey = signingKey;
    }

    /// <summary>The gateway's address, the same before and after a restart.</summary>
    public Uri GatewayAddress => new($"http://127.0.0.1:{_gatewayPort}");

    public ServiceProcess Gateway => _gateway ?? throw new InvalidOperationException("Not started.");

    /// <summary>Starts Redis, s3rver, the silo and a gateway named "gateway", ready to serve (<c>/health/ready</c> 200).</summary>
    public static async Task<RestartableGatewayCluster> StartAsync(TestDirectory directory, string clusterPrefix, string signingKey)
    {
        var cluster = new RestartableGatewayCluster(directory, clusterPrefix, signingKey);
        try
        {
            cluster._redis = await cluster.Own(RedisServer.StartAsync(directory));
            cluster._s3 = await cluster.Own(S3Server.StartAsync(directory));
            await cluster.Own(SiloProcess.StartAsync("silo", cluster.Environment(), directory));
            await cluster.StartGatewayAsync("gateway");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGTERM to the gateway, SIGKILL after <paramref name="graceful"/>; true if it stopped by itself.</summary>
    public Task<bool> StopGatewayAsync(TimeSpan graceful) => Gateway.Process.StopGracefullyAsync(graceful);

    /// <summary>Starts a new gateway process on the same port; returns once it is ready to serve.</summary>
    public async Task StartGatewayAsync(string name)
    {
        var environment = new Dictionary<string, string?>(Environment()) { ["DELINEATE_MODE"] = "clustered", ["ALLOW_ANONYMOUS"] = "true" };
        _gateway = await Own(ServiceProcess.StartAsync(name, RepositoryLayout.GatewayDll, _gatewayPort, environment, _directory));
        await _gateway.WaitUntilReadyAsync(ReadyTimeout);
    }

    public async ValueTask DisposeAsync()
    {
        // The gateways first, then the silo, s3rver and Redis: the reverse of their start.
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync();
        }
        _processes.Clear();
    }

    private async Task<T> Own<T>(Task<T> starting) where T : IAsyncDisposable
    {
        var process = await starting;
        _processes.Add(process);
        return process;
    }

    private Dictionary<string, string?> Environment()
    {
        var environment = S3Server.ClientEnvironment(_s3!.Endpoint, fileSource: "synthetic");
        foreach (var (key, value) in new Dictionary<string, string?>
        {
            ["REDIS_HOST"] = "127.0.0.1",
            ["REDIS_PORT"] = _redis!.Port.ToString(),
            ["ORLEANS_CLUSTER_ID"] = _clusterId,
            ["ORLEANS_SERVICE_ID"] = _clusterId,
            ["BLOB_SIGNING_KEY"] = _signingKey,
            ["DOWNLOAD_DELAY_ENABLED"] = "true",
            ["DOWNLOAD_DELAY_MIN_MS"] = "300",
            ["DOWNLOAD_DELAY_MAX_MS"] = "900",
            ["JOB_CONCURRENCY"] = "1",
            ["RATE_LIMIT_MAX_REQUESTS"] = "100000",
        })
        {
            environment[key] = value;
        }
        return environment;
    }
}
