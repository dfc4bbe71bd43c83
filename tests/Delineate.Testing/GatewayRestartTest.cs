namespace Delineate.Testing;

/// <summary>
/// A test class that restarts the gateway of a <see cref="RestartableGatewayCluster"/> of its own
/// (one per test, in a test directory named <paramref name="name"/>) while a client follows a job.
/// </summary>
public abstract class GatewayRestartTest(string name, string signingKey, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>How long a stopped gateway gets after SIGTERM before SIGKILL.</summary>
    protected static readonly TimeSpan GracefulStop = TimeSpan.FromSeconds(5);

    private TestDirectory? _directory;
    private RestartableGatewayCluster? _cluster;

    protected ITestOutputHelper Output => output;

    protected TestDirectory Directory => _directory ?? throw new InvalidOperationException("Not started.");

    protected RestartableGatewayCluster Cluster => _cluster ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _directory = TestDirectory.Create(name);
        output.WriteLine($"logs: {_directory.Path}");
        _cluster = await RestartableGatewayCluster.StartAsync(_directory, name, signingKey);
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
        _directory?.Dispose();
    }
}
