namespace Delineate.Grains.Storage;

/// <summary>Where finished archives go (S3, or a local folder in embedded mode).</summary>
public interface IExportStore
{
    /// <summary>Creates the bucket or folder when it is missing.</summary>
    Task EnsureReadyAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Starts an upload. <paramref name="expectedSize"/> (0 or less: unknown) lets a store send an object
    /// that fits in one part whole, on completion, with nothing stored before: its
    /// <see cref="IExportUpload.UploadId"/> is null then. Otherwise the id is known before any byte is sent.
    /// </summary>
    Task<IExportUpload> BeginUploadAsync(string key, long expectedSize, CancellationToken cancellationToken);

    /// <summary>Aborts an upload left unfinished, e.g. by a silo that died. Unknown ids are ignored.</summary>
    Task AbortUploadAsync(string key, string uploadId, CancellationToken cancellationToken);

    /// <summary>Deletes an object; a missing one is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);

    /// <summary>A URL that downloads the object as <paramref name="fileName"/> until <paramref name="expiresAt"/>.</summary>
    string GetDownloadUrl(string key, string fileName, DateTimeOffset expiresAt);

    /// <summary>Whether the store answers (for health checks).</summary>
    Task<bool> IsHealthyAsync(CancellationToken cancellationToken);
}
