namespace Delineate.Client;

/// <summary>The server could not be reached, or stopped answering (refused connection, DNS, timeout, a dropped stream that did not come back).</summary>
public sealed class DelineateConnectionException(Uri server, string message, Exception? inner = null)
    : DelineateException(message, inner)
{
    /// <summary>The server the client was talking to.</summary>
    public Uri Server { get; } = server;
}
