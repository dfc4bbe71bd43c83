namespace Delineate.Testing;

/// <summary>A job the gateway accepted: its id, the 202 body and the Location header.</summary>
public sealed record InitiatedJob(string JobId, JsonElement Body, Uri? Location, IReadOnlyList<int> FileIds);
