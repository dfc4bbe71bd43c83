using System.Net;

namespace Delineate.Grains.Webhooks;

/// <summary>A callback host resolved to no address a webhook may go to: the delivery is refused, not retried.</summary>
public sealed class WebhookAddressRefusedException(string host, IReadOnlyList<IPAddress> addresses)
    : Exception($"{host} resolves only to addresses webhooks may not reach ({string.Join(", ", addresses)}).")
{
    public string Host { get; } = host;
}
