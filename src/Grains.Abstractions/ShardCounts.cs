namespace Delineate.Abstractions;

/// <summary>An intake shard's jobs: waiting for a run slot, and admitted.</summary>
[GenerateSerializer, Immutable, Alias("Delineate.ShardCounts")]
public sealed record ShardCounts
{
    [Id(0)] public int Queued { get; init; }
    [Id(1)] public int Running { get; init; }
}
