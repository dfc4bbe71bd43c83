namespace Delineate.Client;

/// <summary>How <see cref="DelineateClient.WatchAsync"/> follows a job.</summary>
public sealed record WatchOptions
{
    /// <summary>The transport to use; <see cref="JobEventTransport.Auto"/> falls back WebSocket → SSE → polling.</summary>
    public JobEventTransport Transport { get; init; } = JobEventTransport.Auto;

    /// <summary>Resume after this seq: only newer events are delivered (null: start with a snapshot).</summary>
    public long? After { get; init; }

    /// <summary>How often polling asks for the status.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one connection attempt may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the client keeps trying to get back a lost connection before it gives up.</summary>
    public TimeSpan ReconnectTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Told of every connect, drop and fallback (on the enumerating thread).</summary>
    public Action<ConnectionChange>? ConnectionChanged { get; init; }
}
