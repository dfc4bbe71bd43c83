namespace Delineate.Abstractions;

/// <summary>Who owns a job and where it stands; answered without building any download link.</summary>
[GenerateSerializer, Immutable, Alias("Delineate.JobHeader")]
public sealed record JobHeader
{
    [Id(0)] public required Guid JobId { get; init; }
    [Id(1)] public required string Owner { get; init; }
    [Id(2)] public required long Seq { get; init; }
    [Id(3)] public required JobStatus Status { get; init; }
    [Id(4)] public int Percent { get; init; }
}
