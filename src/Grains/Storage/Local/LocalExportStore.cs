using Delineate.Grains.Options;
using Microsoft.Extensions.Options;

namespace Delineate.Grains.Storage.Local;

/// <summary>Exports in a local folder (embedded mode). An upload is a part file renamed on completion.</summary>
public sealed class LocalExportStore(IOptions<StorageOptions> options, BlobUrlSigner signer) : IExportStore, ISignedBlobSource
{
    private readonly string _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(options.Value.EffectiveExportDirectory));

    public Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_root);
        return Task.CompletedTask;
    }

    public Task<IExportUpload> BeginUploadAsync(string key, long expectedSize, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var uploadId = Guid.NewGuid().ToString("N");
        return Task.FromResult<IExportUpload>(new LocalExportUpload(key, uploadId, path, PartPath(path, uploadId)));
    }

    public Task AbortUploadAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        DeleteIfPresent(PartPath(PathOf(key), uploadId));
        return Task.CompletedTask;
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        DeleteIfPresent(PathOf(key));
        return Task.CompletedTask;
    }

    /// <summary>Missing is not an error, also when the folder was never created (nothing was bundled yet).</summary>
    private static void DeleteIfPresent(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    public string GetDownloadUrl(string key, string fileName, DateTimeOffset expiresAt) =>
        signer.CreateUrl(key, fileName, expiresAt);

    public Task<bool> IsHealthyAsync(CancellationToken cancellationToken) => Task.FromResult(Directory.Exists(_root));

    /// <summary>Opens a finished export for the blob endpoint; null when there is none.</summary>
    public Stream? OpenRead(string key)
    {
        var path = PathOf(key);
        return File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true) : null;
    }

    /// <summary>A finished export under its signed link; null for any other key.</summary>
    public Stream? OpenSigned(string key) => key.StartsWith(StorageKeys.ExportPrefix, StringComparison.Ordinal) ? OpenRead(key) : null;

    /// <summary>Maps a key inside the root; keys that would escape it are refused.</summary>
    private string PathOf(string key)
    {
        var path = Path.GetFullPath(Path.Combine(_root, key));
        if (!path.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException("The key leaves the export folder.", nameof(key));
        }
        return path;
    }

    private static string PartPath(string path, string uploadId) => $"{path}.upload-{uploadId}";

    private sealed class LocalExportUpload(string key, string uploadId, string finalPath, string partPath) : IExportUpload
    {
        private readonly FileStream _file = new(partPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true);

        public string Key => key;
        public string? UploadId => uploadId;
        public Stream Content => _file;

        public async Task<long> CompleteAsync(CancellationToken cancellationToken)
        {
            await _file.FlushAsync(cancellationToken);
            var size = _file.Length;
            await _file.DisposeAsync();
            File.Move(partPath, finalPath, overwrite: true);
            return size;
        }

        public async Task AbortAsync(CancellationToken cancellationToken)
        {
            await _file.DisposeAsync();
            File.Delete(partPath);
        }

        public ValueTask DisposeAsync() => _file.DisposeAsync();
    }
}
