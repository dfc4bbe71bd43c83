using System.IO.Compression;
using Delineate.Grains.Jobs;
using Delineate.Grains.Storage;

namespace Delineate.Grains.Tests.Jobs;

public sealed class ArchiveWriterTests
{
    [Fact]
    public async Task Entries_stream_into_a_write_only_stream_stored_and_byte_identical()
    {
        int[] fileIds = [70_000, 70_007, 70_014];
        var output = new WriteOnlyStream();
        long added;

        var archive = await ArchiveWriter.CreateAsync(output, CancellationToken.None);
        await using (archive)
        {
            foreach (var fileId in fileIds)
            {
                await using var content = SyntheticCatalogue.Open(fileId);
                Assert.Equal(SyntheticCatalogue.SizeOf(fileId), await archive.AddAsync(StorageKeys.FileName(fileId), content, CancellationToken.None));
            }
            added = archive.BytesAdded;
        }

        Assert.Equal(fileIds.Sum(id => SyntheticCatalogue.SizeOf(id)), added);
        await using var zip = await ZipArchive.CreateAsync(new MemoryStream(output.Written), ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: null);
        Assert.Equal(fileIds.Select(StorageKeys.FileName), zip.Entries.Select(e => e.FullName));
        foreach (var entry in zip.Entries)
        {
            var fileId = int.Parse(Path.GetFileNameWithoutExtension(entry.Name));
            Assert.Equal(entry.Length, entry.CompressedLength);
            Assert.Equal(await Bytes.ReadAllAsync(SyntheticCatalogue.Open(fileId)), await Bytes.ReadAllAsync(await entry.OpenAsync()));
        }
    }

    [Fact]
    public async Task An_archive_without_entries_is_still_a_valid_zip()
    {
        var output = new WriteOnlyStream();

        await (await ArchiveWriter.CreateAsync(output, CancellationToken.None)).DisposeAsync();

        await using var zip = await ZipArchive.CreateAsync(new MemoryStream(output.Written), ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: null);
        Assert.Empty(zip.Entries);
    }
}
