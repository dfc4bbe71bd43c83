namespace Delineate.Testing;

/// <summary>A Delineate silo process with its own silo, gateway and HTTP ports.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private SiloProcess(ServiceProcess service, int siloPort, int gatewayPort)
    {
        Service = service;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public ServiceProcess Service { get; }

    public ManagedProcess Process => Service.Process;

    public string Name => Process.Name;

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public Uri BaseAddress => Service.BaseAddress;

    /// <summary>Starts a silo with <paramref name="clusterEnvironment"/> plus its own ports; ready when its <c>/health/live</c> answers 200.</summary>
    public static async Task<SiloProcess> StartAsync(
        string name,
        IReadOnlyDictionary<string, string?> clusterEnvironment,
        TestDirectory directory)
    {
        var ports = FreePorts.Allocate(3);
        var environment = new Dictionary<string, string?>(clusterEnvironment)
        {
            ["ORLEANS_SILO_PORT"] = ports[0].ToString(),
            ["ORLEANS_GATEWAY_PORT"] = ports[1].ToString(),
            ["ORLEANS_ADVERTISED_IP"] = "127.0.0.1",
        };
        var service = await ServiceProcess.StartAsync(name, RepositoryLayout.SiloDll, ports[2], environment, directory);
        return new SiloProcess(service, ports[0], ports[1]);
    }

    /// <summary>kill -9, the crash drill.</summary>
    public void Kill() => Process.Kill();

    public ValueTask DisposeAsync() => Service.DisposeAsync();
}
