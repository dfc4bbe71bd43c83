namespace Delineate.Grains.Storage.Synthetic;

/// <summary>The synthetic catalogue as a file source; its URLs are the gateway's signed blob URLs.</summary>
public sealed class SyntheticFileSource(BlobUrlSigner signer) : IFileSource, ISignedBlobSource
{
    public Task<SourceFile?> LookupAsync(int fileId, CancellationToken cancellationToken) =>
        Task.FromResult(SyntheticCatalogue.Exists(fileId)
            ? new SourceFile(fileId, StorageKeys.Source(fileId), SyntheticCatalogue.SizeOf(fileId))
            : null);

    public Task<Stream> OpenReadAsync(SourceFile file, CancellationToken cancellationToken) =>
        Task.FromResult(SyntheticCatalogue.Open(file.FileId));

    public string GetDownloadUrl(SourceFile file, DateTimeOffset expiresAt) =>
        signer.CreateUrl(file.Key, StorageKeys.FileName(file.FileId), expiresAt);

    /// <summary>A catalogue file under its signed link (<c>downloads/{fileId}.zip</c>); null for any other key.</summary>
    public Stream? OpenSigned(string key) =>
        TryParseSourceKey(key, out var fileId) && SyntheticCatalogue.Exists(fileId) ? SyntheticCatalogue.Open(fileId) : null;

    private static bool TryParseSourceKey(string key, out int fileId)
    {
        fileId = 0;
        return key.StartsWith(StorageKeys.SourcePrefix, StringComparison.Ordinal)
            && key.EndsWith(".zip", StringComparison.Ordinal)
            && int.TryParse(key.AsSpan(StorageKeys.SourcePrefix.Length, key.Length - StorageKeys.SourcePrefix.Length - 4), out fileId);
    }
}
