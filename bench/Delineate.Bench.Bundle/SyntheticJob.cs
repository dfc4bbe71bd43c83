using Delineate.Grains.Storage;
using Delineate.Grains.Storage.Synthetic;

namespace Delineate.Bench.Bundle;

/// <summary>The benchmark's job: <c>files</c> synthetic files of <c>fileBytes</c> each (64 × 16 MiB = 1 GiB by default).</summary>
public sealed record SyntheticJob(int Files, long FileBytes)
{
    public const int FirstFileId = 70000;

    public long TotalBytes => Files * FileBytes;

    /// <summary>Catalogue ids (n % 7 == 0), as a real job would ask for.</summary>
    public IEnumerable<int> FileIds => Enumerable.Range(0, Files).Select(i => FirstFileId + 7 * i);

    public Stream Open(int fileId) => SyntheticCatalogue.Open(fileId, FileBytes);
}
