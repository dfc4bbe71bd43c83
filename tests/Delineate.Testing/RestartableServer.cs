namespace Delineate.Testing;

/// <summary>
/// A server process (redis-server, s3rver) on a fixed loopback port and data folder, so it can be
/// stopped (SIGTERM), killed (SIGKILL) and started again with its data: the restart drills.
/// </summary>
public abstract class RestartableServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly string _name;
    private ManagedProcess? _process;

    protected RestartableServer(TestDirectory directory, string name, string dataFolder)
    {
        Directory = directory;
        _name = name;
        Port = FreePorts.Allocate();
        DataFolder = directory.DataFolder(dataFolder);
    }

    public int Port { get; }

    public bool IsRunning => _process is { HasExited: false };

    public ManagedProcess Process => _process ?? throw new InvalidOperationException($"{_name} is not running.");

    protected TestDirectory Directory { get; }

    protected string DataFolder { get; }

    /// <summary>What the start waits for, as a failure message names it.</summary>
    protected abstract string Readiness { get; }

    /// <summary>Starts (again) on the same port and data folder; waits until <see cref="AnswersAsync"/> is true.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{_name} is already running.");
        }

        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        var process = Launch();
        _process = process;
        await Poll.UntilAsync(
            $"{_name} on 127.0.0.1:{Port} to {Readiness}",
            StartTimeout,
            async ct =>
            {
                process.ThrowIfExited();
                return await AnswersAsync(ct);
            },
            () => process.Tail());
    }

    /// <summary>SIGTERM, then SIGKILL after 10 s; true if it stopped by itself.</summary>
    public Task<bool> StopAsync() => _process?.StopGracefullyAsync(TimeSpan.FromSeconds(10)) ?? Task.FromResult(true);

    /// <summary>SIGKILL: the crash drill.</summary>
    public void Kill() => _process?.Kill();

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }

    /// <summary>Starts <paramref name="server"/> the first time; disposes it if it does not come up.</summary>
    protected static async Task<T> StartNewAsync<T>(T server) where T : RestartableServer
    {
        try
        {
            await server.StartAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the process (not yet waiting for it).</summary>
    protected abstract ManagedProcess Launch();

    /// <summary>True once the server answers as it should when ready.</summary>
    protected abstract Task<bool> AnswersAsync(CancellationToken cancellationToken);
}
