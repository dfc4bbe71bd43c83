using Amazon.S3;
using Amazon.S3.Model;
using Delineate.Grains.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Delineate.Grains.Storage.S3;

/// <summary>Exports in S3 (<c>exports/{jobId}.zip</c>), streamed there with a multipart upload.</summary>
public sealed partial class S3ExportStore(IAmazonS3 s3, IOptions<StorageOptions> options, ILogger<S3ExportStore> logger) : IExportStore
{
    private const string ZipContentType = "application/zip";
    private readonly string _bucket = options.Value.BucketName;
    private readonly int _partSize = checked(options.Value.UploadPartSizeMb * 1024 * 1024);
    private readonly S3DownloadUrls _urls = new(s3, options.Value);

    public async Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        if (await S3Buckets.EnsureExistsAsync(s3, _bucket, cancellationToken).ConfigureAwait(false))
        {
            LogBucketCreated(_bucket);
        }
    }

    public async Task<IExportUpload> BeginUploadAsync(string key, long expectedSize, CancellationToken cancellationToken)
    {
        // Most archives fit in one part: one PutObject on completion, no multipart upload to start or clean up.
        if (expectedSize > 0 && expectedSize < _partSize)
        {
            return new S3ExportUpload(key, new S3MultipartUploadStream(s3, _bucket, key, uploadId: null, _partSize, ZipContentType));
        }
        var uploadId = await S3Uploads.InitiateAsync(s3, _bucket, key, ZipContentType, cancellationToken).ConfigureAwait(false);
        return new S3ExportUpload(key, new S3MultipartUploadStream(s3, _bucket, key, uploadId, _partSize, ZipContentType));
    }

    public Task AbortUploadAsync(string key, string uploadId, CancellationToken cancellationToken) =>
        S3Uploads.AbortAsync(s3, _bucket, key, uploadId, cancellationToken);

    public async Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await s3.DeleteObjectAsync(new DeleteObjectRequest { BucketName = _bucket, Key = key }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (S3FileSource.IsNotFound(ex))
        {
            // S3 answers 204 for a missing key anyway; some compatible servers say 404.
        }
    }

    public string GetDownloadUrl(string key, string fileName, DateTimeOffset expiresAt) =>
        _urls.Create(key, fileName, expiresAt);

    public async Task<bool> IsHealthyAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await S3Buckets.ExistsAsync(s3, _bucket, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogUnhealthy(ex, _bucket);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created bucket {Bucket}")]
    private partial void LogBucketCreated(string bucket);

    [LoggerMessage(Level = LogLevel.Warning, Message = "S3 health check of bucket {Bucket} failed")]
    private partial void LogUnhealthy(Exception exception, string bucket);

    private sealed class S3ExportUpload(string key, S3MultipartUploadStream stream) : IExportUpload
    {
        public string Key => key;
        public string? UploadId => stream.UploadId;
        public Stream Content => stream;

        public Task<long> CompleteAsync(CancellationToken cancellationToken) => stream.CompleteAsync(cancellationToken);

        public Task AbortAsync(CancellationToken cancellationToken) => stream.AbortAsync(cancellationToken);

        public ValueTask DisposeAsync() => stream.DisposeAsync();
    }
}
