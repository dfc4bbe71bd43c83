using System.Web;
using Delineate.Grains.Options;
using Delineate.Grains.Storage;
using Delineate.Grains.Storage.Local;

namespace Delineate.Grains.Tests.Storage;

public sealed class LocalExportStoreTests : IDisposable
{
    private const string Key = "exports/job.zip";
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task A_completed_upload_becomes_the_object_and_leaves_no_part_file()
    {
        var store = Store();
        await store.EnsureReadyAsync(CancellationToken.None);
        var content = new byte[300_000];
        Random.Shared.NextBytes(content);

        await using (var upload = await store.BeginUploadAsync(Key, expectedSize: 0, CancellationToken.None))
        {
            Assert.Equal(Key, upload.Key);
            Assert.False(string.IsNullOrEmpty(upload.UploadId));
            await upload.Content.WriteAsync(content);
            Assert.Equal(content.Length, await upload.CompleteAsync(CancellationToken.None));
        }

        Assert.Equal(content, await Bytes.ReadAllAsync(store.OpenRead(Key)!));
        Assert.Equal([Path.Combine(_folder.Path, Key)], Directory.GetFiles(Path.Combine(_folder.Path, "exports")));
    }

    [Fact]
    public async Task An_aborted_upload_leaves_nothing()
    {
        var store = Store();
        await using (var upload = await store.BeginUploadAsync(Key, expectedSize: 0, CancellationToken.None))
        {
            await upload.Content.WriteAsync(new byte[1000]);
            await upload.AbortAsync(CancellationToken.None);
        }

        Assert.Null(store.OpenRead(Key));
        Assert.Empty(Directory.GetFiles(Path.Combine(_folder.Path, "exports")));
    }

    [Fact]
    public async Task A_stale_upload_is_aborted_by_its_id_and_unknown_ids_are_ignored()
    {
        var store = Store();
        var stale = await store.BeginUploadAsync(Key, expectedSize: 0, CancellationToken.None);
        await stale.Content.WriteAsync(new byte[1000]);
        await stale.DisposeAsync();

        await store.AbortUploadAsync(Key, Assert.IsType<string>(stale.UploadId), CancellationToken.None);
        await store.AbortUploadAsync(Key, "no-such-upload", CancellationToken.None);

        Assert.Empty(Directory.GetFiles(Path.Combine(_folder.Path, "exports")));
    }

    [Fact]
    public async Task Deleting_removes_the_object_and_a_missing_one_is_not_an_error()
    {
        var store = Store();
        await using (var upload = await store.BeginUploadAsync(Key, expectedSize: 0, CancellationToken.None))
        {
            await upload.CompleteAsync(CancellationToken.None);
        }

        await store.DeleteAsync(Key, CancellationToken.None);
        await store.DeleteAsync(Key, CancellationToken.None);

        Assert.Null(store.OpenRead(Key));
    }

    [Fact]
    public async Task Deleting_or_aborting_in_a_folder_that_was_never_written_is_not_an_error()
    {
        // A job that failed or was cancelled before bundling, on a silo where nothing was bundled yet.
        var store = Store();
        await store.EnsureReadyAsync(CancellationToken.None);

        await store.DeleteAsync(Key, CancellationToken.None);
        await store.AbortUploadAsync(Key, "no-such-upload", CancellationToken.None);
    }

    [Theory]
    [InlineData("../outside.zip")]
    [InlineData("exports/../../outside.zip")]
    [InlineData("/etc/passwd")]
    public async Task Keys_that_leave_the_folder_are_refused(string key)
    {
        var store = Store();

        await Assert.ThrowsAsync<ArgumentException>(() => store.BeginUploadAsync(key, expectedSize: 0, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => store.DeleteAsync(key, CancellationToken.None));
        Assert.Throws<ArgumentException>(() => store.OpenRead(key));
    }

    [Fact]
    public async Task A_folder_given_with_a_trailing_separator_works()
    {
        var store = Store(_folder.Path + Path.DirectorySeparatorChar);

        await using var upload = await store.BeginUploadAsync(Key, expectedSize: 0, CancellationToken.None);
        await upload.CompleteAsync(CancellationToken.None);

        Assert.True(File.Exists(Path.Combine(_folder.Path, Key)));
    }

    [Fact]
    public async Task Health_follows_the_folder()
    {
        var store = Store();

        Assert.False(await store.IsHealthyAsync(CancellationToken.None));
        await store.EnsureReadyAsync(CancellationToken.None);
        Assert.True(await store.IsHealthyAsync(CancellationToken.None));
    }

    [Fact]
    public void Download_urls_are_signed_blob_urls_of_the_key()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new StorageOptions { ExportDirectory = _folder.Path, BlobSigningKey = "grain-tests-signing-key-0123456789" });
        var signer = new BlobUrlSigner(options, TimeProvider.System);
        var store = new LocalExportStore(options, signer);

        var url = new Uri(new Uri("http://gateway"), store.GetDownloadUrl(Key, "job.zip", DateTimeOffset.UtcNow.AddMinutes(5)));
        var query = HttpUtility.ParseQueryString(url.Query);

        Assert.Equal(BlobUrlSigner.RoutePrefix + Key, url.AbsolutePath);
        Assert.True(signer.IsValid(Key, query["name"], query["expires"], query["sig"]));
    }

    public void Dispose() => _folder.Dispose();

    private LocalExportStore Store(string? folder = null)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new StorageOptions { ExportDirectory = folder ?? _folder.Path, BlobSigningKey = "grain-tests-signing-key-0123456789" });
        return new LocalExportStore(options, new BlobUrlSigner(options, TimeProvider.System));
    }
}
