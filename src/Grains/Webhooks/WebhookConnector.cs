using System.Net;
using System.Net.Sockets;
using Delineate.Grains.Options;
using Microsoft.Extensions.Options;

namespace Delineate.Grains.Webhooks;

/// <summary>
/// Opens the webhook client's connections: resolves the host itself and connects only to addresses
/// <see cref="WebhookAddressPolicy"/> allows. The check is on the addresses actually connected to, so
/// a name that resolved to a public address when the job was created and to an internal one now (DNS
/// rebinding), or that names an internal host, is refused.
/// </summary>
public sealed class WebhookConnector(IOptions<WebhookOptions> options)
{
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var allowed = await ResolveAsync(context.DnsEndPoint.Host, cancellationToken);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The addresses of <paramref name="host"/> a webhook may connect to.</summary>
    /// <exception cref="WebhookAddressRefusedException">It has none.</exception>
    public async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        host = host.Trim('[', ']');
        var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = options.Value.AllowPrivateNetworks ? addresses : addresses.Where(WebhookAddressPolicy.IsPublic).ToArray();
        return allowed.Length > 0 ? allowed : throw new WebhookAddressRefusedException(host, addresses);
    }
}
