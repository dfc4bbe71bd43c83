using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// Embedded mode's signed download links (<c>/v1/blobs/{key}?name=…&amp;expires=…&amp;sig=…</c>) taken
/// from a finished job and tampered with: every change of signature, expiry, name or key, every
/// <c>..</c> (plain or percent-encoded) and an expired link correctly signed all get 403 problems,
/// never a 500. Requests are written by hand so that no client normalises the paths first.
/// </summary>
public sealed class BlobTamperTests(BlobTamperTests.Fixture fixture) : IClassFixture<BlobTamperTests.Fixture>
{
    /// <summary>32 bytes: long enough for the stricter rule of issue 13 too.</summary>
    private const string SigningKey = "blob-tamper-tests-signing-key-0123456789";

    private GatewayHost Host => fixture.Host;

    [Fact]
    public async Task Every_tampered_or_expired_link_is_403_and_the_untouched_link_is_200()
    {
        var client = Host.Client(TestData.NewOwner("blobs"));
        var jobId = await client.StartJobAsync([70000]);
        var status = await client.WaitForTerminalAsync(jobId, TimeSpan.FromSeconds(60), Host.Tail);
        var archive = new Uri(status.GetProperty("result").GetProperty("archiveUrl").GetString()!);
        var path = archive.AbsolutePath;
        var query = ParseQuery(archive.Query);
        Assert.StartsWith("/v1/blobs/exports/", path, StringComparison.Ordinal);

        var (okStatus, okType) = await GetAsync(archive.PathAndQuery);
        Assert.True(okStatus == 200, $"the untouched link {archive.PathAndQuery} should answer 200, got {okStatus}");
        Assert.Equal("application/zip", okType);

        var flipped = query["sig"][..^1] + (query["sig"][^1] == '0' ? '1' : '0');
        var expires = long.Parse(query["expires"], CultureInfo.InvariantCulture);
        var name = query["name"];
        var key = path["/v1/blobs/".Length..];
        var pastExpiry = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeSeconds();
        var cases = new Dictionary<string, string>
        {
            ["signature changed"] = $"{path}?name={name}&expires={expires}&sig={flipped}",
            ["signature missing"] = $"{path}?name={name}&expires={expires}",
            ["signature not hex"] = $"{path}?name={name}&expires={expires}&sig=%00%ff",
            ["expiry changed"] = $"{path}?name={name}&expires={expires + 3600}&sig={query["sig"]}",
            ["expiry not a number"] = $"{path}?name={name}&expires=-1&sig={query["sig"]}",
            ["name changed"] = $"{path}?name=other.zip&expires={expires}&sig={query["sig"]}",
            ["key changed"] = $"/v1/blobs/exports/{Guid.CreateVersion7()}.zip?name={name}&expires={expires}&sig={query["sig"]}",
            ["a source file with the archive's signature"] = $"/v1/blobs/downloads/70000.zip?name={name}&expires={expires}&sig={query["sig"]}",
            [".. in the path"] = $"/v1/blobs/exports/x/../../downloads/70000.zip?name={name}&expires={expires}&sig={query["sig"]}",
            ["percent-encoded .."] = $"/v1/blobs/exports/%2e%2e/downloads/70000.zip?name={name}&expires={expires}&sig={query["sig"]}",
            ["percent-encoded ../ climbing out"] = $"/v1/blobs/exports/..%2f..%2f..%2fetc%2fpasswd?name={name}&expires={expires}&sig={query["sig"]}",
            ["a .. key with a valid signature"] = Signed("exports/../../../../etc/passwd", "passwd", expires, encodeSlashes: true),
            ["a correctly signed link that has expired"] = Signed(key, Uri.UnescapeDataString(name), pastExpiry),
        };

        var failures = new List<string>();
        foreach (var (what, target) in cases)
        {
            var (code, type) = await GetAsync(target);
            if (code != 403 || type != ProblemAssert.MediaType)
            {
                failures.Add($"{what}: GET {target} answered {code} {type}");
            }
        }
        Assert.True(failures.Count == 0, $"tampered links must be 403 problems:\n{string.Join("\n", failures)}\n{Host.Tail()}");
    }

    /// <summary>A link signed with the gateway's key, as the gateway would sign it.</summary>
    private static string Signed(string key, string fileName, long expires, bool encodeSlashes = false)
    {
        var payload = Encoding.UTF8.GetBytes($"{key}\n{fileName}\n{expires.ToString(CultureInfo.InvariantCulture)}");
        var sig = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(SigningKey), payload));
        var path = encodeSlashes ? key.Replace("/", "%2f", StringComparison.Ordinal) : key;
        return $"/v1/blobs/{path}?name={Uri.EscapeDataString(fileName)}&expires={expires}&sig={sig}";
    }

    private static Dictionary<string, string> ParseQuery(string query) =>
        query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    /// <summary>GET exactly <paramref name="target"/> (no normalisation); the status and the content type.</summary>
    private async Task<(int Status, string? ContentType)> GetAsync(string target)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await socket.ConnectAsync(Host.BaseAddress.Host, Host.BaseAddress.Port, deadline.Token);
        var request = $"GET {target} HTTP/1.1\r\nHost: {Host.BaseAddress.Authority}\r\nConnection: close\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), deadline.Token);
        var received = new StringBuilder();
        var buffer = new byte[8192];
        int n;
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && (n = await socket.ReceiveAsync(buffer, deadline.Token)) > 0)
        {
            received.Append(Encoding.Latin1.GetString(buffer, 0, n));
        }
        var head = received.ToString();
        var end = head.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var lines = head[..(end < 0 ? head.Length : end)].Split("\r\n");
        var code = int.Parse(lines[0].Split(' ')[1], CultureInfo.InvariantCulture);
        var type = lines.Skip(1).Select(l => l.Split(':', 2)).Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            .Select(p => p[1].Split(';')[0].Trim()).FirstOrDefault();
        return (code, type);
    }

    public sealed class Fixture : IAsyncLifetime
    {
        private GatewayHost? _host;

        public GatewayHost Host => _host ?? throw new InvalidOperationException("Not started.");

        public async Task InitializeAsync() => _host = await GatewayHost.StartEmbeddedAsync(
            "api-blob-tamper",
            new Dictionary<string, string?> { ["BLOB_SIGNING_KEY"] = SigningKey });

        public async Task DisposeAsync()
        {
            if (_host is not null)
            {
                await _host.DisposeAsync();
            }
        }
    }
}
