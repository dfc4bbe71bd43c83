using System.Net;
using Amazon.S3;
using Amazon.S3.Model;

namespace Delineate.Grains.Storage.S3;

/// <summary>Bucket checks shared by the export store and the seeder.</summary>
public static class S3Buckets
{
    /// <summary>HeadBucket; true when it answers, false on 404. (<c>DoesS3BucketExistV2Async</c> asks for the ACL, which S3-compatible servers may not support.)</summary>
    public static async Task<bool> ExistsAsync(IAmazonS3 s3, string bucket, CancellationToken cancellationToken)
    {
        try
        {
            await s3.HeadBucketAsync(new HeadBucketRequest { BucketName = bucket }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound || ex.ErrorCode == "NoSuchBucket")
        {
            return false;
        }
    }

    /// <summary>Creates the bucket when it is missing; true when this call created it.</summary>
    public static async Task<bool> EnsureExistsAsync(IAmazonS3 s3, string bucket, CancellationToken cancellationToken)
    {
        if (await ExistsAsync(s3, bucket, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }
        try
        {
            await s3.PutBucketAsync(new PutBucketRequest { BucketName = bucket }, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.ErrorCode is "BucketAlreadyOwnedByYou" or "BucketAlreadyExists")
        {
            // Another process created it first. "AlreadyExists" may also mean someone else's bucket:
            // then it is not ours to use, and HeadBucket says so.
            if (!await ExistsAsync(s3, bucket, cancellationToken).ConfigureAwait(false))
            {
                throw;
            }
            return false;
        }
    }
}
