using Amazon.S3;
using Amazon.S3.Model;
using Delineate.Grains.Storage;

namespace Delineate.Storage.Tests.Infrastructure;

public static class Buckets
{
    /// <summary>A bucket name no other test uses.</summary>
    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public static async Task<byte[]> ReadObjectAsync(IAmazonS3 s3, string bucket, string key)
    {
        using var response = await s3.GetObjectAsync(new GetObjectRequest { BucketName = bucket, Key = key });
        using var copy = new MemoryStream();
        await response.ResponseStream.CopyToAsync(copy);
        return copy.ToArray();
    }

    public static byte[] Synthetic(int fileId, long length)
    {
        var bytes = new byte[length];
        using var source = SyntheticCatalogue.Open(fileId, length);
        source.ReadExactly(bytes);
        return bytes;
    }

    public static byte[] Synthetic(int fileId)
    {
        var bytes = new byte[SyntheticCatalogue.SizeOf(fileId)];
        using var source = SyntheticCatalogue.Open(fileId);
        source.ReadExactly(bytes);
        return bytes;
    }
}
