using Amazon.S3;
using Amazon.S3.Model;
using Delineate.Grains.Options;
using Delineate.Grains.Storage.Synthetic;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Delineate.Grains.Storage.S3;

/// <summary>
/// Writes synthetic catalogue files into the S3 source (<c>downloads/{id}.zip</c>), so a clustered
/// deployment reading from S3 has the same files the synthetic source would have.
/// </summary>
public sealed partial class SourceSeeder(IAmazonS3 s3, IOptions<StorageOptions> options, ILogger<SourceSeeder> logger)
{
    public const int Parallelism = 8;
    private const string ZipContentType = "application/zip";
    private readonly string _bucket = options.Value.BucketName;

    /// <summary>
    /// Writes every id in [<paramref name="from"/>, <paramref name="to"/>] that exists in the
    /// catalogue (n % 7 == 0), creating the bucket first; returns the number of files written.
    /// </summary>
    public async Task<int> SeedAsync(int from, int to, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(from, to);
        await S3Buckets.EnsureExistsAsync(s3, _bucket, cancellationToken).ConfigureAwait(false);

        var ids = Enumerable.Range(from, to - from + 1).Where(SyntheticCatalogue.Exists);
        var written = 0;
        await Parallel.ForEachAsync(
            ids,
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (fileId, token) =>
            {
                await PutAsync(fileId, token).ConfigureAwait(false);
                Interlocked.Increment(ref written);
            }).ConfigureAwait(false);

        LogSeeded(written, from, to, _bucket);
        return written;
    }

    private async Task PutAsync(int fileId, CancellationToken cancellationToken)
    {
        // Files are at most a few hundred KiB: a seekable in-memory body lets the SDK sign it
        // without aws-chunked framing (which s3rver would store as object bytes).
        var size = SyntheticCatalogue.SizeOf(fileId);
        var body = new byte[size];
        await using (var source = SyntheticCatalogue.Open(fileId))
        {
            await source.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        }
        var request = new PutObjectRequest
        {
            BucketName = _bucket,
            Key = StorageKeys.Source(fileId),
            InputStream = new MemoryStream(body, writable: false),
            ContentType = ZipContentType,
            UseChunkEncoding = false,
        };
        request.Headers.ContentLength = size;
        await s3.PutObjectAsync(request, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Seeded {Count} synthetic files ({From}-{To}) into bucket {Bucket}")]
    private partial void LogSeeded(int count, int from, int to, string bucket);
}
