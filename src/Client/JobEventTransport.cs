namespace Delineate.Client;

/// <summary>How progress events reach the client.</summary>
public enum JobEventTransport
{
    /// <summary>WebSocket first, then Server-Sent Events, then polling, each when the one before does not work here.</summary>
    Auto,
    WebSocket,
    ServerSentEvents,
    Polling,
}
