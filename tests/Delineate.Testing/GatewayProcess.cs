namespace Delineate.Testing;

/// <summary>A Delineate gateway process, embedded (co-hosting a silo) or clustered (an Orleans client).</summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    private GatewayProcess(ServiceProcess service) => Service = service;

    public ServiceProcess Service { get; }

    public ManagedProcess Process => Service.Process;

    public Uri BaseAddress => Service.BaseAddress;

    /// <summary>
    /// Embedded mode: one process with its own silo; the silo and gateway ports are free ports,
    /// never the defaults. <paramref name="environment"/> adds to (or overrides) the mode's variables.
    /// </summary>
    public static async Task<GatewayProcess> StartEmbeddedAsync(
        TestDirectory directory,
        IReadOnlyDictionary<string, string?> environment,
        string name = "gateway")
    {
        var ports = FreePorts.Allocate(3);
        var merged = new Dictionary<string, string?>
        {
            ["DELINEATE_MODE"] = "embedded",
            ["ORLEANS_SILO_PORT"] = ports[0].ToString(),
            ["ORLEANS_GATEWAY_PORT"] = ports[1].ToString(),
            ["ORLEANS_ADVERTISED_IP"] = "127.0.0.1",
        };
        foreach (var (key, value) in environment)
        {
            merged[key] = value;
        }

        return new GatewayProcess(await ServiceProcess.StartAsync(name, RepositoryLayout.GatewayDll, ports[2], merged, directory));
    }

    /// <summary>
    /// Clustered mode: an Orleans client of the silos found through Redis. Anonymous use
    /// (<c>ALLOW_ANONYMOUS=true</c>, which a clustered gateway in Auth:Mode none needs) unless
    /// <paramref name="clusterEnvironment"/> says otherwise.
    /// </summary>
    public static async Task<GatewayProcess> StartClusteredAsync(
        TestDirectory directory,
        IReadOnlyDictionary<string, string?> clusterEnvironment,
        string name = "gateway")
    {
        var merged = new Dictionary<string, string?> { ["ALLOW_ANONYMOUS"] = "true" };
        foreach (var (key, value) in clusterEnvironment)
        {
            merged[key] = value;
        }

        merged["DELINEATE_MODE"] = "clustered";
        return new GatewayProcess(await ServiceProcess.StartAsync(name, RepositoryLayout.GatewayDll, FreePorts.Allocate(), merged, directory));
    }

    public ValueTask DisposeAsync() => Service.DisposeAsync();
}
