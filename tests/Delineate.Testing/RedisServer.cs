using System.Net.Sockets;
using System.Text;

namespace Delineate.Testing;

/// <summary>A real redis-server in the foreground (not daemonized, so the test owns its PID), no persistence.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private RedisServer(ManagedProcess process, int port)
    {
        Process = process;
        Port = port;
    }

    public ManagedProcess Process { get; }

    public int Port { get; }

    public static async Task<RedisServer> StartAsync(TestDirectory directory)
    {
        var port = FreePorts.Allocate();
        var process = ManagedProcess.Start(
            "redis",
            "redis-server",
            ["--port", port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"],
            new Dictionary<string, string?>(),
            directory.LogFile("redis"),
            directory.DataFolder("redis"));
        var server = new RedisServer(process, port);
        try
        {
            await Poll.UntilAsync(
                $"redis-server on 127.0.0.1:{port} to answer PING",
                StartTimeout,
                async ct =>
                {
                    process.ThrowIfExited();
                    return await server.PingAsync(ct);
                },
                () => process.Tail());
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>True when a TCP PING gets +PONG.</summary>
    public async Task<bool> PingAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", Port, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
        var buffer = new byte[64];
        var read = await stream.ReadAsync(buffer, cancellationToken);
        return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
