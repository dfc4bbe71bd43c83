namespace Delineate.Client;

/// <summary>A page of the caller's jobs, newest first; <see cref="NextCursor"/> asks for the next page.</summary>
public sealed record JobPage
{
    public IReadOnlyList<JobSummary> Jobs { get; init; } = [];

    public Guid? NextCursor { get; init; }

    public int Total { get; init; }
}
