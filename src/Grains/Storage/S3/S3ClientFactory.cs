using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Delineate.Grains.Options;

namespace Delineate.Grains.Storage.S3;

/// <summary>Builds the S3 client from the S3_* settings (AWS, or an S3-compatible endpoint such as RustFS).</summary>
public static class S3ClientFactory
{
    /// <summary>The SDK's own retries stay few: the job layer retries each file with backoff.</summary>
    public const int MaxErrorRetry = 2;

    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    public static AmazonS3Client Create(StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = new AmazonS3Config
        {
            MaxErrorRetry = MaxErrorRetry,
            RetryMode = RequestRetryMode.Standard,
            Timeout = RequestTimeout,
            ConnectTimeout = ConnectTimeout,
            // The v4 default adds a CRC32 to every upload and asks for one on every download. S3-compatible
            // servers (s3rver) do not keep them, and a multipart upload would then have to repeat each
            // part's checksum on completion; SigV4 payload signing already covers the bytes.
            RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED,
            ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED,
        };
        if (!string.IsNullOrWhiteSpace(options.S3Endpoint))
        {
            config.ServiceURL = options.S3Endpoint;
            config.ForcePathStyle = options.S3ForcePathStyle;
            config.AuthenticationRegion = options.S3Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(options.S3Region);
            config.ForcePathStyle = options.S3ForcePathStyle;
        }

        return HasKeys(options)
            ? new AmazonS3Client(new BasicAWSCredentials(options.S3AccessKeyId, options.S3SecretAccessKey), config)
            : new AmazonS3Client(config);
    }

    /// <summary>
    /// The scheme of presigned URLs. The SDK makes https URLs unless told otherwise, even for an http
    /// endpoint, and those would not reach a plain-http S3-compatible server.
    /// </summary>
    public static Protocol PresignProtocol(StorageOptions options) =>
        Uri.TryCreate(options.S3Endpoint, UriKind.Absolute, out var endpoint) && endpoint.Scheme == Uri.UriSchemeHttp
            ? Protocol.HTTP
            : Protocol.HTTPS;

    private static bool HasKeys(StorageOptions options) =>
        !string.IsNullOrEmpty(options.S3AccessKeyId) && !string.IsNullOrEmpty(options.S3SecretAccessKey);
}
