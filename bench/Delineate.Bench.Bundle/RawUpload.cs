using System.Diagnostics;
using Amazon.S3;
using Amazon.S3.Model;

namespace Delineate.Bench.Bundle;

/// <summary>
/// The baseline: the job's bytes (its files back to back, no zip framing) sent with plain
/// Initiate / UploadPart / Complete calls, the same part size, and the next part generated while the
/// previous one uploads: the best a part-at-a-time uploader can do here.
/// </summary>
public static class RawUpload
{
    public static async Task<TimeSpan> RunAsync(IAmazonS3 s3, string bucket, string key, SyntheticJob job, int partSize)
    {
        var clock = Stopwatch.StartNew();
        var initiated = await s3.InitiateMultipartUploadAsync(new InitiateMultipartUploadRequest { BucketName = bucket, Key = key });
        var parts = new List<PartETag>();
        var buffers = new[] { new byte[partSize], new byte[partSize] };
        Task<PartETag>? inFlight = null;
        var partNumber = 0;

        using var files = job.FileIds.Select(job.Open).GetEnumerator();
        var current = files.MoveNext() ? files.Current : null;
        while (true)
        {
            var buffer = buffers[partNumber % 2];
            var filled = 0;
            while (filled < partSize && current is not null)
            {
                var read = current.Read(buffer, filled, partSize - filled);
                if (read == 0)
                {
                    current.Dispose();
                    current = files.MoveNext() ? files.Current : null;
                    continue;
                }
                filled += read;
            }
            if (filled == 0)
            {
                break;
            }
            if (inFlight is not null)
            {
                parts.Add(await inFlight);
            }
            var number = ++partNumber;
            var length = filled;
            inFlight = Task.Run(async () =>
            {
                var response = await s3.UploadPartAsync(new UploadPartRequest
                {
                    BucketName = bucket,
                    Key = key,
                    UploadId = initiated.UploadId,
                    PartNumber = number,
                    PartSize = length,
                    InputStream = new MemoryStream(buffer, 0, length, writable: false),
                    UseChunkEncoding = false,
                });
                return new PartETag(number, response.ETag);
            });
        }
        if (inFlight is not null)
        {
            parts.Add(await inFlight);
        }
        await s3.CompleteMultipartUploadAsync(new CompleteMultipartUploadRequest
        {
            BucketName = bucket,
            Key = key,
            UploadId = initiated.UploadId,
            PartETags = parts,
        });
        return clock.Elapsed;
    }
}
