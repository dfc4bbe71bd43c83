namespace Delineate.Abstractions;

/// <summary>What an initiate carrying an <c>Idempotency-Key</c> came to.</summary>
[GenerateSerializer, Immutable, Alias("Delineate.IdempotentInitiation")]
public sealed record IdempotentInitiation
{
    /// <summary>The job the key stands for; null when the key was used with another body or the owner is at the cap.</summary>
    [Id(0)] public JobSnapshot? Job { get; init; }
    /// <summary>The key was first used with a different body (answer 422).</summary>
    [Id(1)] public bool BodyMismatch { get; init; }
    /// <summary>The owner has too many unfinished jobs (answer 429).</summary>
    [Id(2)] public bool OverCap { get; init; }
}
