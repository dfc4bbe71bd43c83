namespace Delineate.Client;

/// <summary>What happened to a progress connection.</summary>
public enum ConnectionState
{
    /// <summary>Connected (or, for polling, the first status answered).</summary>
    Connected,

    /// <summary>The connection dropped or could not be made; the client tries again and resumes after the last seq.</summary>
    Reconnecting,

    /// <summary>The transport does not work here; the client moved to the next one.</summary>
    FellBack,
}
