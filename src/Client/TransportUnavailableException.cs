namespace Delineate.Client;

/// <summary>A progress transport does not work between this client and the service (a proxy refuses WebSocket upgrades, say).</summary>
public sealed class TransportUnavailableException(JobEventTransport transport, string message)
    : DelineateException(message)
{
    public JobEventTransport Transport { get; } = transport;
}
