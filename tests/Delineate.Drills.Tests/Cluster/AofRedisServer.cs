using System.Net.Sockets;
using System.Text;

namespace Delineate.Drills.Tests.Cluster;

/// <summary>
/// redis-server with an append-only file (fsync on every write) on a fixed port and data folder, so
/// it can be stopped (SIGTERM: it flushes the file), killed (SIGKILL: with <c>appendfsync always</c>
/// no acknowledged write is lost) and started again with its data: the restart drill.
/// </summary>
public sealed class AofRedisServer : RestartableServer
{
    private AofRedisServer(TestDirectory directory)
        : base(directory, "redis-server", "redis-aof")
    {
    }

    protected override string Readiness => "answer PING (AOF loaded)";

    public static Task<AofRedisServer> StartAsync(TestDirectory directory) => StartNewAsync(new AofRedisServer(directory));

    protected override ManagedProcess Launch() => ManagedProcess.Start(
        "redis",
        "redis-server",
        [
            "--port", Port.ToString(), "--bind", "127.0.0.1", "--daemonize", "no",
            "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", DataFolder,
        ],
        new Dictionary<string, string?>(),
        Directory.LogFile("redis"),
        DataFolder);

    protected override Task<bool> AnswersAsync(CancellationToken cancellationToken) => PingAsync(cancellationToken);

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
}
