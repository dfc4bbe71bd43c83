using Delineate.Abstractions;

namespace Delineate.Grains.Jobs;

/// <summary>One requested file inside <see cref="DownloadJobState"/>.</summary>
[GenerateSerializer, Alias("Delineate.FileState")]
public sealed class FileState
{
    [Id(0)] public int FileId { get; set; }
    [Id(1)] public FileStatus Status { get; set; }
    [Id(2)] public long? Size { get; set; }
    [Id(3)] public int Attempts { get; set; }
    [Id(4)] public string? Error { get; set; }
    [Id(5)] public string? Key { get; set; }

    public bool IsSettled => Status is FileStatus.Ready or FileStatus.Missing or FileStatus.Failed;
}
