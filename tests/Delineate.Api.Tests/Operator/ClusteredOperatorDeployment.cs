using System.Globalization;

namespace Delineate.Api.Tests.Operator;

/// <summary>Redis, one silo and one clustered gateway: the job store's Redis scripts, exports in S3.</summary>
public sealed class ClusteredOperatorDeployment : OperatorDeployment
{
    private readonly string _clusterId = $"operator-{Guid.NewGuid():N}";
    private RedisServer? _redis;
    private SiloProcess? _silo;

    protected override string Name => "operator-clustered";

    public override Task<bool> ExportExistsAsync(string jobId) => ObjectExistsAsync($"exports/{jobId}.zip");

    public override string Diagnostics() => $"{_silo?.Process.Tail(40)}\n{Gateway.Tail()}";

    protected override Dictionary<string, string?> Environment()
    {
        var environment = base.Environment();
        environment["REDIS_HOST"] = "127.0.0.1";
        environment["REDIS_PORT"] = _redis!.Port.ToString(CultureInfo.InvariantCulture);
        environment["ORLEANS_CLUSTER_ID"] = _clusterId;
        environment["ORLEANS_SERVICE_ID"] = _clusterId;
        environment["ORLEANS_FAST_FAILOVER"] = "true";
        return environment;
    }

    protected override async Task StartServicesAsync()
    {
        _redis = await RedisServer.StartAsync(Directory);
        _silo = await SiloProcess.StartAsync("silo", Environment(), Directory);
        Gateway = await GatewayHost.StartClusteredAsync(Directory, Environment(), "gateway");
        await Gateway.Gateway.Service.WaitUntilReadyAsync(TimeSpan.FromSeconds(60));
    }

    protected override async Task StopServicesAsync()
    {
        await Gateway.DisposeAsync();
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
