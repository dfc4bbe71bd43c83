namespace Delineate.Client;

/// <summary>One entry of the caller's job list.</summary>
public sealed record JobSummary
{
    public Guid JobId { get; init; }

    public JobStatus Status { get; init; }

    public int FilesTotal { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public string StatusUrl { get; init; } = "";
}
