namespace Delineate.Client;

/// <summary>A finished job's result: counts and presigned links.</summary>
public sealed record JobResult
{
    public int SuccessCount { get; init; }

    public int MissingCount { get; init; }

    public int FailedCount { get; init; }

    public string? ArchiveUrl { get; init; }

    public IReadOnlyList<string> DownloadUrls { get; init; } = [];

    public DateTimeOffset? ExpiresAt { get; init; }

    public string? Message { get; init; }
}
