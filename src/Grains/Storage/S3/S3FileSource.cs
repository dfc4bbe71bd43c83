using System.Net;
using Amazon.S3;
using Amazon.S3.Model;
using Delineate.Grains.Options;
using Microsoft.Extensions.Options;

namespace Delineate.Grains.Storage.S3;

/// <summary>Source files in S3: <c>downloads/{id}.zip</c> in the configured bucket.</summary>
public sealed class S3FileSource(IAmazonS3 s3, IOptions<StorageOptions> options) : IFileSource
{
    private readonly string _bucket = options.Value.BucketName;
    private readonly S3DownloadUrls _urls = new(s3, options.Value);

    public async Task<SourceFile?> LookupAsync(int fileId, CancellationToken cancellationToken)
    {
        var key = StorageKeys.Source(fileId);
        try
        {
            var head = await s3.GetObjectMetadataAsync(
                new GetObjectMetadataRequest { BucketName = _bucket, Key = key }, cancellationToken).ConfigureAwait(false);
            return new SourceFile(fileId, key, head.ContentLength);
        }
        catch (AmazonS3Exception ex) when (IsNotFound(ex))
        {
            return null;
        }
    }

    public async Task<Stream> OpenReadAsync(SourceFile file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        var response = await s3.GetObjectAsync(
            new GetObjectRequest { BucketName = _bucket, Key = file.Key }, cancellationToken).ConfigureAwait(false);
        return new ResponseOwningStream(response);
    }

    public string GetDownloadUrl(SourceFile file, DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(file);
        return _urls.Create(file.Key, StorageKeys.FileName(file.FileId), expiresAt);
    }

    /// <summary>A HEAD has no body, so a missing key shows as a bare 404 ("NotFound"); a GET says NoSuchKey.</summary>
    internal static bool IsNotFound(AmazonS3Exception ex) =>
        ex.StatusCode == HttpStatusCode.NotFound || ex.ErrorCode is "NoSuchKey" or "NotFound";

    /// <summary>The object's body; disposing it releases the response (and its connection).</summary>
    private sealed class ResponseOwningStream(GetObjectResponse response) : Stream
    {
        private readonly Stream _inner = response.ResponseStream;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => response.ContentLength;
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);

        public override int Read(Span<byte> buffer) => _inner.Read(buffer);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            _inner.ReadAsync(buffer, offset, count, cancellationToken);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _inner.ReadAsync(buffer, cancellationToken);

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                response.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
