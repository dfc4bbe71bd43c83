namespace Delineate.Grains.Storage.Synthetic;

/// <summary>The synthetic catalogue as a file source; its URLs are the gateway's signed blob URLs.</summary>
public sealed class SyntheticFileSource(BlobUrlSigner signer) : IFileSource
{
    public Task<SourceFile?> LookupAsync(int fileId, CancellationToken cancellationToken) =>
        Task.FromResult(SyntheticCatalogue.Exists(fileId)
            ? new SourceFile(fileId, StorageKeys.Source(fileId), SyntheticCatalogue.SizeOf(fileId))
            : null);

    public Task<Stream> OpenReadAsync(SourceFile file, CancellationToken cancellationToken) =>
        Task.FromResult(SyntheticCatalogue.Open(file.FileId));

    public string GetDownloadUrl(SourceFile file, DateTimeOffset expiresAt) =>
        signer.CreateUrl(file.Key, StorageKeys.FileName(file.FileId), expiresAt);
}
