using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Delineate.Api.Tests.Hostile;

/// <summary>
/// A WebSocket upgrade request written by hand, and the gateway's answer read up to the end of its
/// head (and a refusal's body): what a refusal before the upgrade looks like on the wire.
/// </summary>
public sealed record RawUpgrade(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public static async Task<RawUpgrade> SendAsync(Uri gateway, string jobId, string owner, IPAddress? source = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (source is not null)
        {
            socket.Bind(new IPEndPoint(source, 0));
        }
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await socket.ConnectAsync(gateway.Host, gateway.Port, deadline.Token);
        var request =
            $"GET /v1/download/subscribe/{jobId} HTTP/1.1\r\n" +
            $"Host: {gateway.Authority}\r\n" +
            "Upgrade: websocket\r\n" +
            "Connection: Upgrade\r\n" +
            $"Sec-WebSocket-Key: {Convert.ToBase64String(Guid.NewGuid().ToByteArray())}\r\n" +
            "Sec-WebSocket-Version: 13\r\n" +
            $"X-User-Id: {owner}\r\n" +
            "\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), deadline.Token);

        var received = new List<byte>();
        var buffer = new byte[4096];
        string text;
        int headEnd;
        while ((headEnd = (text = Encoding.ASCII.GetString(received.ToArray())).IndexOf("\r\n\r\n", StringComparison.Ordinal)) < 0)
        {
            var n = await socket.ReceiveAsync(buffer, deadline.Token);
            if (n == 0)
            {
                throw new IOException($"The gateway closed the connection before answering: '{text}'");
            }
            received.AddRange(buffer.AsSpan(0, n).ToArray());
        }
        var lines = text[..headEnd].Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1)
            .Select(l => l.Split(':', 2))
            .ToDictionary(p => p[0].Trim(), p => p[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var body = "";
        if (status != 101)
        {
            var chunked = headers.TryGetValue("Transfer-Encoding", out var encoding) && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase);
            var length = headers.TryGetValue("Content-Length", out var declared) ? int.Parse(declared, System.Globalization.CultureInfo.InvariantCulture) : 0;
            bool Complete() => chunked
                ? Encoding.ASCII.GetString(received.ToArray(), headEnd + 4, received.Count - headEnd - 4).EndsWith("0\r\n\r\n", StringComparison.Ordinal)
                : received.Count >= headEnd + 4 + length;
            while (!Complete())
            {
                var n = await socket.ReceiveAsync(buffer, deadline.Token);
                if (n == 0)
                {
                    break;
                }
                received.AddRange(buffer.AsSpan(0, n).ToArray());
            }
            var raw = Encoding.UTF8.GetString(received.ToArray(), headEnd + 4, received.Count - headEnd - 4);
            body = chunked ? Unchunk(raw) : raw;
        }
        return new RawUpgrade(status, headers, body);
    }

    private static string Unchunk(string raw)
    {
        var text = new StringBuilder();
        var at = 0;
        while (true)
        {
            var lineEnd = raw.IndexOf("\r\n", at, StringComparison.Ordinal);
            var size = Convert.ToInt32(raw[at..lineEnd].Split(';')[0], 16);
            if (size == 0)
            {
                return text.ToString();
            }
            text.Append(raw, lineEnd + 2, size);
            at = lineEnd + 2 + size + 2;
        }
    }

    public override string ToString() => $"{Status} {string.Join("; ", Headers.Select(h => $"{h.Key}: {h.Value}"))} {Body}";
}
