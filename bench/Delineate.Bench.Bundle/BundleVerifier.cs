using System.IO.Compression;
using Amazon.S3;
using Amazon.S3.Model;
using Delineate.Grains.Storage;

namespace Delineate.Bench.Bundle;

/// <summary>Downloads the bundled object and checks it is a zip holding every file, byte for byte.</summary>
public static class BundleVerifier
{
    public static async Task<string> VerifyAsync(IAmazonS3 s3, string bucket, string key, SyntheticJob job)
    {
        var path = Path.Combine(Path.GetTempPath(), $"delineate-bench-{Guid.NewGuid():N}.zip");
        try
        {
            using (var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key }))
            await using (var file = File.Create(path))
            {
                await response.ResponseStream.CopyToAsync(file);
            }

            using var zip = ZipFile.OpenRead(path);
            var expectedIds = job.FileIds.ToArray();
            if (zip.Entries.Count != expectedIds.Length)
            {
                throw new InvalidDataException($"expected {expectedIds.Length} entries, found {zip.Entries.Count}");
            }
            var actual = new byte[256 * 1024];
            var expected = new byte[actual.Length];
            foreach (var fileId in expectedIds)
            {
                var entry = zip.GetEntry(StorageKeys.FileName(fileId))
                    ?? throw new InvalidDataException($"entry {StorageKeys.FileName(fileId)} is missing");
                if (entry.Length != job.FileBytes)
                {
                    throw new InvalidDataException($"entry {entry.FullName} has {entry.Length} bytes, expected {job.FileBytes}");
                }
                using var read = entry.Open();
                using var reference = job.Open(fileId);
                long offset = 0;
                int n;
                while ((n = read.ReadAtLeast(actual, actual.Length, throwOnEndOfStream: false)) > 0)
                {
                    reference.ReadExactly(expected, 0, n);
                    if (!actual.AsSpan(0, n).SequenceEqual(expected.AsSpan(0, n)))
                    {
                        throw new InvalidDataException($"entry {entry.FullName} differs near byte {offset}");
                    }
                    offset += n;
                }
            }
            return $"zip ok: {zip.Entries.Count} entries of {job.FileBytes} bytes, byte-identical, object {new FileInfo(path).Length} bytes";
        }
        finally
        {
            File.Delete(path);
        }
    }
}
