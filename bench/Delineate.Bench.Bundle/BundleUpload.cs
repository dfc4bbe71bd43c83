using System.Diagnostics;
using Delineate.Grains.Jobs;
using Delineate.Grains.Storage;

namespace Delineate.Bench.Bundle;

/// <summary>What a job's bundle step does: every file through <see cref="ArchiveWriter"/> into an export upload.</summary>
public static class BundleUpload
{
    public static async Task<(TimeSpan Elapsed, long ArchiveBytes)> RunAsync(IExportStore store, string key, SyntheticJob job)
    {
        var clock = Stopwatch.StartNew();
        await using var upload = await store.BeginUploadAsync(key, expectedSize: 0, CancellationToken.None);
        await using (var archive = await ArchiveWriter.CreateAsync(upload.Content, CancellationToken.None))
        {
            foreach (var fileId in job.FileIds)
            {
                await using var content = job.Open(fileId);
                await archive.AddAsync(StorageKeys.FileName(fileId), content, CancellationToken.None);
            }
        }
        var size = await upload.CompleteAsync(CancellationToken.None);
        return (clock.Elapsed, size);
    }
}
