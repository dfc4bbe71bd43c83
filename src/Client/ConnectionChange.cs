namespace Delineate.Client;

/// <summary>A change of a progress connection: the transport, what happened, why, and the last seq received.</summary>
public sealed record ConnectionChange(JobEventTransport Transport, ConnectionState State, string? Reason, long? LastSeq);
