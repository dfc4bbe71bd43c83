namespace Delineate.Abstractions;

/// <summary>
/// An operator's request to run a finished job again for its failed files, within the caps an
/// initiate is held to (the retried job counts as unfinished again).
/// </summary>
[GenerateSerializer, Immutable, Alias("Delineate.RetryJobRequest")]
public sealed record RetryJobRequest
{
    /// <summary>The request's <c>Idempotency-Key</c>: the same key again answers as the first retry did.</summary>
    [Id(0)] public string? IdempotencyKey { get; init; }
    [Id(1)] public int MaxActivePerOwner { get; init; } = int.MaxValue;
    [Id(2)] public int MaxActive { get; init; } = int.MaxValue;
}
