namespace Delineate.Abstractions;

/// <summary>One file's result as clients see it.</summary>
[GenerateSerializer, Immutable, Alias("Delineate.FileResult")]
public sealed record FileResult
{
    [Id(0)] public required int FileId { get; init; }
    [Id(1)] public required FileStatus Status { get; init; }
    [Id(2)] public long? Size { get; init; }
    [Id(3)] public int Attempts { get; init; }
    /// <summary>The file's own presigned URL once it is ready (status answers only).</summary>
    [Id(4)] public string? Url { get; init; }
    [Id(5)] public string? Error { get; init; }
}
