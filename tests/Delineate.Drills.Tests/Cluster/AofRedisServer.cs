using System.Net.Sockets;
using System.Text;

namespace Delineate.Drills.Tests.Cluster;

/// <summary>
/// redis-server with an append-only file (fsync on every write) on a fixed port and data folder, so
/// it can be stopped (SIGTERM), killed (SIGKILL) and started again with its data: the restart drill.
/// </summary>
public sealed class AofRedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly TestDirectory _directory;
    private readonly string _dataFolder;
    private ManagedProcess? _process;

    private AofRedisServer(TestDirectory directory, int port)
    {
        _directory = directory;
        Port = port;
        _dataFolder = directory.DataFolder("redis-aof");
    }

    public int Port { get; }

    public bool IsRunning => _process is { HasExited: false };

    public ManagedProcess Process => _process ?? throw new InvalidOperationException("redis-server is not running.");

    public static async Task<AofRedisServer> StartAsync(TestDirectory directory)
    {
        var server = new AofRedisServer(directory, FreePorts.Allocate());
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

    /// <summary>Starts (again) on the same port and data folder; waits until it answers PING (AOF loaded).</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("redis-server is already running.");
        }

        if (_process is not null)
        {
            await _process.DisposeAsync();
        }

        var process = ManagedProcess.Start(
            "redis",
            "redis-server",
            [
                "--port", Port.ToString(), "--bind", "127.0.0.1", "--daemonize", "no",
                "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", _dataFolder,
            ],
            new Dictionary<string, string?>(),
            _directory.LogFile("redis"),
            _dataFolder);
        _process = process;
        await Poll.UntilAsync(
            $"redis-server on 127.0.0.1:{Port} to answer PING",
            StartTimeout,
            async ct =>
            {
                process.ThrowIfExited();
                return await PingAsync(ct);
            },
            () => process.Tail());
    }

    /// <summary>SIGTERM: redis flushes its append-only file and exits.</summary>
    public Task<bool> StopAsync() => _process?.StopGracefullyAsync(TimeSpan.FromSeconds(10)) ?? Task.FromResult(true);

    /// <summary>SIGKILL: with <c>appendfsync always</c> no acknowledged write is lost.</summary>
    public void Kill() => _process?.Kill();

    /// <summary>True when a TCP PING gets +PONG (a loading server answers -LOADING).</summary>
    public async Task<bool> PingAsync(CancellationToken cancellationToken) =>
        (await CommandAsync("PING", cancellationToken)).StartsWith("+PONG", StringComparison.Ordinal);

    /// <summary>Sends one inline command and returns the first reply chunk (enough for short replies).</summary>
    public async Task<string> CommandAsync(string inlineCommand, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(inlineCommand + "\r\n"), cancellationToken);
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }
}
