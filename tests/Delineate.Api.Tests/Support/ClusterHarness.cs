namespace Delineate.Api.Tests.Support;

/// <summary>
/// A clustered deployment on loopback: redis-server, s3rver, N silo processes and M clustered
/// gateways, with a cluster id of its own. Files come from the synthetic catalogue; exports go to S3.
/// </summary>
public sealed class ClusterHarness : IAsyncDisposable
{
    public const string Bucket = "downloads";
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    private readonly IReadOnlyDictionary<string, string?> _overrides;
    private readonly string _clusterId = $"api-{Guid.NewGuid():N}";

    private ClusterHarness(TestDirectory directory, IReadOnlyDictionary<string, string?> overrides)
    {
        Directory = directory;
        _overrides = overrides;
    }

    public TestDirectory Directory { get; }

    public RedisServer? Redis { get; private set; }

    public S3Server? S3 { get; private set; }

    public List<SiloProcess> Silos { get; } = [];

    public List<GatewayHost> Gateways { get; } = [];

    /// <summary>
    /// Starts Redis and s3rver, then every silo and gateway at once (a gateway keeps looking for silos
    /// until one answers); waits until all of them are ready.
    /// </summary>
    public static async Task<ClusterHarness> StartAsync(string name, int silos, int gateways, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var cluster = new ClusterHarness(TestDirectory.Create(name), overrides ?? new Dictionary<string, string?>());
        try
        {
            var redis = RedisServer.StartAsync(cluster.Directory);
            var s3 = S3Server.StartAsync(cluster.Directory);
            cluster.Redis = await redis;
            cluster.S3 = await s3;
            var siloStarts = Enumerable.Range(1, silos).Select(i => SiloProcess.StartAsync($"silo-{i}", cluster.Environment(), cluster.Directory)).ToList();
            var gatewayStarts = Enumerable.Range(1, gateways)
                .Select(i => GatewayHost.StartClusteredAsync(cluster.Directory, cluster.Environment(), $"gateway-{(char)('a' + i - 1)}"))
                .ToList();
            try
            {
                await Task.WhenAll(siloStarts.Cast<Task>().Concat(gatewayStarts));
            }
            finally
            {
                cluster.Silos.AddRange(siloStarts.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
                cluster.Gateways.AddRange(gatewayStarts.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }

            foreach (var silo in cluster.Silos)
            {
                await silo.Service.WaitUntilReadyAsync(ReadyTimeout);
            }

            foreach (var gateway in cluster.Gateways)
            {
                await gateway.Gateway.Service.WaitUntilReadyAsync(ReadyTimeout);
            }

            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>What every process of this cluster is started with.</summary>
    public Dictionary<string, string?> Environment()
    {
        return S3Server.ClientEnvironment(S3!.Endpoint, Bucket, fileSource: "synthetic").With(new Dictionary<string, string?>
        {
            ["REDIS_HOST"] = "127.0.0.1",
            ["REDIS_PORT"] = Redis!.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["BLOB_SIGNING_KEY"] = "api-tests-signing-key-0123456789",
            ["ORLEANS_CLUSTER_ID"] = _clusterId,
            ["ORLEANS_SERVICE_ID"] = _clusterId,
            ["ORLEANS_FAST_FAILOVER"] = "true",
            ["ORLEANS_REMINDER_PERIOD_SECONDS"] = "1",
            ["RATE_LIMIT_MAX_REQUESTS"] = GatewayEnvironment.UnreachableRateLimit,
            ["MAX_JOBS_PER_ADDRESS_PER_MINUTE"] = GatewayEnvironment.UnreachableRateLimit,
            ["MAX_STREAMS_PER_ADDRESS"] = GatewayEnvironment.UnreachableRateLimit,
            ["MAX_STREAMS_PER_OWNER"] = GatewayEnvironment.UnreachableRateLimit,
            ["DOWNLOAD_DELAY_ENABLED"] = "true",
            ["DOWNLOAD_DELAY_MIN_MS"] = "100",
            ["DOWNLOAD_DELAY_MAX_MS"] = "300",
            ["SENTRY_DSN"] = null,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
        }).With(_overrides);
    }

    /// <summary>The last log lines of every process.</summary>
    public string Diagnostics() =>
        string.Join('\n', Silos.Select(s => s.Process.Tail(30)).Concat(Gateways.Select(g => g.Process.Tail(30))));

    public async ValueTask DisposeAsync()
    {
        foreach (var gateway in Gateways)
        {
            await gateway.DisposeAsync();
        }

        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
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
