namespace Delineate.Abstractions;

/// <summary>A page of an owner's jobs, newest first; <see cref="NextCursor"/> is null on the last page.</summary>
[GenerateSerializer, Immutable, Alias("Delineate.JobPage")]
public sealed record JobPage
{
    [Id(0)] public required IReadOnlyList<JobSummary> Jobs { get; init; }
    [Id(1)] public Guid? NextCursor { get; init; }
    [Id(2)] public int Total { get; init; }
}
