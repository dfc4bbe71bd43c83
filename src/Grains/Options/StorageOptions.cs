using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;

namespace Delineate.Grains.Options;

/// <summary>Where files come from and exports go. Bound from the old service's S3_* names.</summary>
public sealed class StorageOptions
{
    public const string SyntheticSource = "synthetic";
    public const string S3Source = "s3";
    public const string DefaultBucket = "downloads";

    [ConfigurationKeyName("S3_REGION")]
    public string S3Region { get; set; } = "us-east-1";

    [ConfigurationKeyName("S3_ENDPOINT")]
    public string? S3Endpoint { get; set; }

    /// <summary>The S3 address clients can reach, when it differs from <see cref="S3Endpoint"/> (presigned URLs use it).</summary>
    [ConfigurationKeyName("S3_PUBLIC_ENDPOINT")]
    public string? S3PublicEndpoint { get; set; }

    [ConfigurationKeyName("S3_ACCESS_KEY_ID")]
    public string? S3AccessKeyId { get; set; }

    [ConfigurationKeyName("S3_SECRET_ACCESS_KEY")]
    public string? S3SecretAccessKey { get; set; }

    [ConfigurationKeyName("S3_BUCKET_NAME")]
    public string? S3BucketName { get; set; }

    [ConfigurationKeyName("S3_FORCE_PATH_STYLE")]
    public bool S3ForcePathStyle { get; set; } = true;

    /// <summary>Multipart part size for exports, in MiB (S3's minimum is 5).</summary>
    [ConfigurationKeyName("S3_UPLOAD_PART_SIZE_MB")]
    public int UploadPartSizeMb { get; set; } = 8;

    /// <summary><c>s3</c> or <c>synthetic</c>; unset means s3 when a bucket is configured.</summary>
    [ConfigurationKeyName("FILE_SOURCE")]
    public string? FileSource { get; set; }

    /// <summary>
    /// How long a found source file is taken as present without asking S3 again (0 turns it off). Jobs
    /// asking for the same file within the period share one lookup (<see cref="Storage.CachingFileSource"/>).
    /// </summary>
    [ConfigurationKeyName("SOURCE_LOOKUP_CACHE_SECONDS")]
    public int SourceLookupCacheSeconds { get; set; } = 5;

    /// <summary>The folder of the local export store (embedded mode).</summary>
    [ConfigurationKeyName("EXPORT_DIR")]
    public string? ExportDirectory { get; set; }

    /// <summary>Key of the gateway's signed blob URLs; every gateway and silo of a cluster must share it.</summary>
    [ConfigurationKeyName("BLOB_SIGNING_KEY")]
    public string? BlobSigningKey { get; set; }

    private string? _generatedSigningKey;

    /// <summary>A copy of these settings pointed at another endpoint.</summary>
    public StorageOptions WithEndpoint(string endpoint)
    {
        var copy = (StorageOptions)MemberwiseClone();
        copy.S3Endpoint = endpoint;
        return copy;
    }

    public string BucketName => string.IsNullOrWhiteSpace(S3BucketName) ? DefaultBucket : S3BucketName;

    public string EffectiveFileSource =>
        string.IsNullOrWhiteSpace(FileSource)
            ? (string.IsNullOrWhiteSpace(S3BucketName) ? SyntheticSource : S3Source)
            : FileSource.Trim().ToLowerInvariant();

    public string EffectiveExportDirectory =>
        string.IsNullOrWhiteSpace(ExportDirectory)
            ? Path.Combine(Path.GetTempPath(), "delineate", "exports")
            : ExportDirectory;

    /// <summary>The configured key, or one made for this process (fine when one process signs and checks).</summary>
    public string EffectiveBlobSigningKey =>
        !string.IsNullOrEmpty(BlobSigningKey)
            ? BlobSigningKey
            : _generatedSigningKey ??= Convert.ToHexString(RandomNumberGenerator.GetBytes(32));
}
