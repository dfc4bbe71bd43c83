using System.IO.Compression;
using Delineate.Grains.Storage;

namespace Delineate.Grains.Tests.Jobs;

/// <summary>The finished archive, in the local export folder of embedded mode.</summary>
[Collection(LongLivedJobClusterCollection.Name)]
public sealed class ArchiveContentTests(LongLivedJobCluster cluster)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_archive_holds_exactly_the_available_files_byte_for_byte()
    {
        int[] available = [75_005, 75_012, 75_019];
        const int missing = 75_020;
        var jobId = Guid.CreateVersion7();
        var job = cluster.Job(jobId);
        await cluster.InitiateAsync(job, new InitiateJobRequest { FileIds = [available[0], missing, available[1], available[2]], Owner = "alice" });
        var status = await Eventually.Until(async () => (await job.GetStatus())!, s => s.Progress.Status.IsTerminal(), Timeout, "the job finishes");
        Assert.Equal(JobStatus.Completed, status.Progress.Status);

        await using var zip = await ZipArchive.CreateAsync(File.OpenRead(cluster.ExportPath(jobId)), ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: null);

        Assert.Equal(available.Select(StorageKeys.FileName), zip.Entries.Select(e => e.FullName));
        foreach (var fileId in available)
        {
            var entry = zip.GetEntry(StorageKeys.FileName(fileId))!;
            Assert.Equal(SyntheticCatalogue.SizeOf(fileId), entry.Length);
            Assert.Equal(entry.Length, entry.CompressedLength);
            await using var content = await entry.OpenAsync();
            Assert.Equal(await Bytes.ReadAllAsync(SyntheticCatalogue.Open(fileId)), await Bytes.ReadAllAsync(content));
        }
    }

    [Fact]
    public async Task The_archive_url_is_a_valid_signed_blob_url_for_the_export()
    {
        var jobId = Guid.CreateVersion7();
        var job = cluster.Job(jobId);
        await cluster.InitiateAsync(job, new InitiateJobRequest { FileIds = [75_026], Owner = "alice" });
        var status = await Eventually.Until(async () => (await job.GetStatus())!, s => s.Progress.Status.IsTerminal(), Timeout, "the job finishes");

        var url = new Uri(new Uri("http://gateway"), status.Result!.ArchiveUrl);
        var query = System.Web.HttpUtility.ParseQueryString(url.Query);
        var key = Uri.UnescapeDataString(url.AbsolutePath[BlobUrlSigner.RoutePrefix.Length..]);

        Assert.StartsWith(BlobUrlSigner.RoutePrefix, url.AbsolutePath);
        Assert.Equal(StorageKeys.Export(jobId), key);
        Assert.Equal($"{jobId}.zip", query["name"]);
        Assert.True(cluster.SiloService<BlobUrlSigner>().IsValid(key, query["name"], query["expires"], query["sig"]));
    }
}
