namespace Delineate.Abstractions;

/// <summary>What a finished job hands out.</summary>
[GenerateSerializer, Immutable, Alias("Delineate.JobResult")]
public sealed record JobResult
{
    [Id(0)] public int SuccessCount { get; init; }
    [Id(1)] public int MissingCount { get; init; }
    [Id(2)] public int FailedCount { get; init; }
    [Id(3)] public string? ArchiveUrl { get; init; }
    [Id(4)] public IReadOnlyList<string> DownloadUrls { get; init; } = [];
    [Id(5)] public DateTimeOffset? ExpiresAt { get; init; }
    [Id(6)] public string? Message { get; init; }
}
