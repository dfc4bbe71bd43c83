namespace Delineate.Abstractions;

/// <summary>A job accepted and stored as queued, handed to its intake shard for admission.</summary>
[GenerateSerializer, Immutable, Alias("Delineate.QueuedJob")]
public sealed record QueuedJob
{
    [Id(0)] public required Guid JobId { get; init; }
    [Id(1)] public required string Owner { get; init; }
}
