namespace Delineate.Abstractions;

/// <summary>One line of an owner's job list.</summary>
[GenerateSerializer, Immutable, Alias("Delineate.JobSummary")]
public sealed record JobSummary
{
    [Id(0)] public required Guid JobId { get; init; }
    [Id(1)] public required JobStatus Status { get; init; }
    [Id(2)] public required int FilesTotal { get; init; }
    [Id(3)] public required DateTimeOffset CreatedAt { get; init; }
    [Id(4)] public DateTimeOffset UpdatedAt { get; init; }
}
