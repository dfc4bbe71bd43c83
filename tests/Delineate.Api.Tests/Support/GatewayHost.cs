using System.Net;
using System.Net.Sockets;

namespace Delineate.Api.Tests.Support;

/// <summary>One gateway process (embedded unless started clustered) and the HTTP clients that talk to it.</summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private readonly TestDirectory? _ownedDirectory;
    private readonly List<HttpClient> _clients = [];

    private GatewayHost(GatewayProcess gateway, TestDirectory directory, bool ownsDirectory)
    {
        Gateway = gateway;
        Directory = directory;
        _ownedDirectory = ownsDirectory ? directory : null;
    }

    public GatewayProcess Gateway { get; }

    public TestDirectory Directory { get; }

    public Uri BaseAddress => Gateway.BaseAddress;

    public ManagedProcess Process => Gateway.Process;

    /// <summary>Starts an embedded gateway in a test directory of its own.</summary>
    public static async Task<GatewayHost> StartEmbeddedAsync(string name, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var directory = TestDirectory.Create(name);
        try
        {
            var gateway = await GatewayProcess.StartEmbeddedAsync(directory, GatewayEnvironment.Embedded(overrides));
            return new GatewayHost(gateway, directory, ownsDirectory: true);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>A clustered gateway (an Orleans client) in <paramref name="directory"/>.</summary>
    public static async Task<GatewayHost> StartClusteredAsync(TestDirectory directory, IReadOnlyDictionary<string, string?> environment, string name)
    {
        var merged = new Dictionary<string, string?>(GatewayEnvironment.Embedded(environment)) { ["DELINEATE_MODE"] = "clustered" };
        var gateway = await GatewayProcess.StartClusteredAsync(directory, merged, name);
        return new GatewayHost(gateway, directory, ownsDirectory: false);
    }

    /// <summary>
    /// An HTTP client of this gateway that does not follow redirects. <paramref name="owner"/> is sent
    /// as <c>X-User-Id</c>; <paramref name="source"/> binds the client to another loopback address
    /// (127.0.0.x), which is another rate-limit partition.
    /// </summary>
    public HttpClient Client(string? owner = null, IPAddress? source = null, TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, UseCookies = false };
        if (source is not null)
        {
            handler.ConnectCallback = (context, cancellationToken) => ConnectFromAsync(source, context.DnsEndPoint, cancellationToken);
        }

        var client = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        if (owner is not null)
        {
            client.DefaultRequestHeaders.Add("X-User-Id", owner);
        }

        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    /// <summary>The last lines of the gateway's log, for failure messages.</summary>
    public string Tail() => Process.Tail(60);

    /// <summary>The gateway's resident memory in bytes (VmRSS of /proc/PID/status).</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Process.Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kilobytes = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                return kilobytes * 1024;
            }
        }

        throw new InvalidOperationException($"No VmRSS in /proc/{Process.Pid}/status.");
    }

    public async ValueTask DisposeAsync()
    {
        lock (_clients)
        {
            foreach (var client in _clients)
            {
                client.Dispose();
            }
        }

        await Gateway.DisposeAsync();
        _ownedDirectory?.Dispose();
    }

    private static async ValueTask<Stream> ConnectFromAsync(IPAddress source, DnsEndPoint target, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(target, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
