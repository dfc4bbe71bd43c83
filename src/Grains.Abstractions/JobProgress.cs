namespace Delineate.Abstractions;

/// <summary>The counters shared by status answers and progress events.</summary>
[GenerateSerializer, Immutable, Alias("Delineate.JobProgress")]
public sealed record JobProgress
{
    [Id(0)] public required JobStatus Status { get; init; }
    [Id(1)] public required JobPhase Phase { get; init; }
    /// <summary>0 to 100; never goes back.</summary>
    [Id(2)] public int Percent { get; init; }
    [Id(3)] public int FilesDone { get; init; }
    [Id(4)] public int FilesTotal { get; init; }
    [Id(5)] public int FilesMissing { get; init; }
    [Id(6)] public int FilesFailed { get; init; }
    [Id(7)] public long BytesDone { get; init; }
    [Id(8)] public int? EtaSeconds { get; init; }
}
