namespace Delineate.Grains.Storage;

/// <summary>Where the requested files come from (S3 or the synthetic catalogue).</summary>
public interface IFileSource
{
    /// <summary>Looks a file up. Null when it does not exist; throws on a transient failure.</summary>
    Task<SourceFile?> LookupAsync(int fileId, CancellationToken cancellationToken);

    /// <summary>Opens the bytes of a file found by <see cref="LookupAsync"/>.</summary>
    Task<Stream> OpenReadAsync(SourceFile file, CancellationToken cancellationToken);

    /// <summary>A URL a client can download the file from until <paramref name="expiresAt"/>.</summary>
    string GetDownloadUrl(SourceFile file, DateTimeOffset expiresAt);
}
