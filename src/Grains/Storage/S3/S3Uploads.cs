using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace Delineate.Grains.Storage.S3;

/// <summary>
/// The S3 requests of an upload, one call each: start, part, whole object, complete, abort. Every
/// body goes with <c>UseChunkEncoding = false</c>: s3rver stores the aws-chunked framing as object
/// bytes otherwise (docs/platform-notes.md).
/// </summary>
internal static class S3Uploads
{
    public static async Task<string> InitiateAsync(IAmazonS3 s3, string bucket, string key, string contentType, CancellationToken cancellationToken)
    {
        var initiated = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest
        {
            BucketName = bucket,
            Key = key,
            ContentType = contentType,
        }, cancellationToken).ConfigureAwait(false);
        return initiated.UploadId;
    }

    public static async Task<PartETag> UploadPartAsync(
        IAmazonS3 s3, string bucket, string key, string uploadId, int partNumber, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        var response = await s3.UploadPartAsync(new UploadPartRequest
        {
            BucketName = bucket,
            Key = key,
            UploadId = uploadId,
            PartNumber = partNumber,
            PartSize = length,
            InputStream = new MemoryStream(buffer, 0, length, writable: false),
            UseChunkEncoding = false,
        }, cancellationToken).ConfigureAwait(false);
        return new PartETag(partNumber, response.ETag);
    }

    /// <summary>Sends the first <paramref name="length"/> bytes of <paramref name="buffer"/> (none when it is null) as the whole object.</summary>
    public static async Task PutAsync(
        IAmazonS3 s3, string bucket, string key, string contentType, byte[]? buffer, int length, CancellationToken cancellationToken)
    {
        var request = new PutObjectRequest
        {
            BucketName = bucket,
            Key = key,
            InputStream = buffer is null ? new MemoryStream([], writable: false) : new MemoryStream(buffer, 0, length, writable: false),
            ContentType = contentType,
            UseChunkEncoding = false,
        };
        request.Headers.ContentLength = length;
        await s3.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
    }

    public static Task CompleteAsync(IAmazonS3 s3, string bucket, string key, string uploadId, List<PartETag> parts, CancellationToken cancellationToken) =>
        s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket,
            Key = key,
            UploadId = uploadId,
            PartETags = [.. parts],
        }, cancellationToken);

    /// <summary>
    /// Aborts an upload by id; one that is unknown (finished, aborted, never existed) is ignored, and so
    /// is a server that does not implement aborting.
    /// </summary>
    public static async Task AbortAsync(IAmazonS3 s3, string bucket, string key, string uploadId, CancellationToken cancellationToken)
    {
        try
        {
            await s3.AbortMultipartUploadAsync(new AbortMultipartUploadRequest
            {
                BucketName = bucket,
                Key = key,
                UploadId = uploadId,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode == "NoSuchUpload" || ex.StatusCode == HttpStatusCode.NotFound)
        {
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode is HttpStatusCode.MethodNotAllowed or HttpStatusCode.NotImplemented)
        {
            // Some S3-compatible servers (s3rver) cannot abort: the object never appears, and the
            // stray parts are theirs to keep. AWS, MinIO and RustFS do abort.
        }
    }
}
