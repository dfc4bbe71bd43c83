namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// One clustered deployment (Redis, s3rver, one silo, one gateway in Auth:Mode none with
/// ALLOW_ANONYMOUS=true, no DASHBOARD_* settings) shared by the hostile tests that need a cluster.
/// </summary>
public sealed class HostileClusterFixture : IAsyncLifetime
{
    private ClusterHarness? _cluster;

    public ClusterHarness Cluster => _cluster ?? throw new InvalidOperationException("Not started.");

    public GatewayHost Gateway => Cluster.Gateways[0];

    public SiloProcess Silo => Cluster.Silos[0];

    public async Task InitializeAsync() => _cluster = await ClusterHarness.StartAsync("api-hostile", silos: 1, gateways: 1);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

/// <summary>The hostile test classes that share one <see cref="HostileClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class HostileClusterCollection : ICollectionFixture<HostileClusterFixture>
{
    public const string Name = "hostile cluster";
}
