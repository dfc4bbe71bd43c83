namespace Delineate.Grains.Storage;

/// <summary>
/// An upload in progress. Bytes written to <see cref="Content"/> are buffered into parts and sent as
/// they fill, so memory stays bounded whatever the object's size.
/// </summary>
public interface IExportUpload : IAsyncDisposable
{
    string Key { get; }

    /// <summary>
    /// The id of the multipart upload whose parts a crash would leave behind; null while the object is
    /// sent whole on completion, so there is nothing to abort.
    /// </summary>
    string? UploadId { get; }

    /// <summary>A write-only, non-seekable stream.</summary>
    Stream Content { get; }

    /// <summary>Flushes the last part and completes the upload; returns the object's size.</summary>
    Task<long> CompleteAsync(CancellationToken cancellationToken);

    /// <summary>Aborts the upload, discarding what was sent.</summary>
    Task AbortAsync(CancellationToken cancellationToken);
}
