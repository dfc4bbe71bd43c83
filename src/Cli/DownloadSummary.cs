namespace Delineate.Cli;

/// <summary>A saved archive: where, how big, what it holds, and what the job could not deliver.</summary>
public sealed record DownloadSummary(
    Guid JobId,
    string Path,
    long Bytes,
    IReadOnlyList<string> Entries,
    IReadOnlyList<int> Missing,
    IReadOnlyList<int> Failed);
