using Microsoft.Extensions.Options;

namespace Delineate.Grains.Options;

/// <summary>Checks storage settings at start; each message names the variable to fix.</summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions o)
    {
        var errors = new SettingErrors();
        if (o.EffectiveFileSource is not (StorageOptions.S3Source or StorageOptions.SyntheticSource))
        {
            errors.Add($"FILE_SOURCE must be '{StorageOptions.S3Source}' or '{StorageOptions.SyntheticSource}'.");
        }
        if (!string.IsNullOrWhiteSpace(o.S3Endpoint)
            && !(Uri.TryCreate(o.S3Endpoint, UriKind.Absolute, out var endpoint) && endpoint.Scheme is "http" or "https"))
        {
            errors.Add("S3_ENDPOINT must be an absolute http(s) URL.");
        }
        if (!string.IsNullOrWhiteSpace(o.S3PublicEndpoint)
            && !(Uri.TryCreate(o.S3PublicEndpoint, UriKind.Absolute, out var publicEndpoint) && publicEndpoint.Scheme is "http" or "https"))
        {
            errors.Add("S3_PUBLIC_ENDPOINT must be an absolute http(s) URL.");
        }
        if (string.IsNullOrWhiteSpace(o.S3Region))
        {
            errors.Add("S3_REGION must not be empty.");
        }
        if (!string.IsNullOrWhiteSpace(o.S3BucketName) && !IsBucketName(o.S3BucketName))
        {
            errors.Add("S3_BUCKET_NAME must be 3 to 63 lower-case letters, digits, dots or hyphens.");
        }
        errors.Range("S3_UPLOAD_PART_SIZE_MB", o.UploadPartSizeMb, 5, 512);
        errors.Range("SOURCE_LOOKUP_CACHE_SECONDS", o.SourceLookupCacheSeconds, 0, 3600);
        if (o.BlobSigningKey is { Length: > 0 } key && System.Text.Encoding.UTF8.GetByteCount(key) < MinSigningKeyBytes)
        {
            errors.Add($"BLOB_SIGNING_KEY must be at least {MinSigningKeyBytes} bytes (was {System.Text.Encoding.UTF8.GetByteCount(key)}).");
        }
        return errors.ToResult();
    }

    /// <summary>An HMAC-SHA256 key shorter than its 32-byte output weakens it.</summary>
    public const int MinSigningKeyBytes = 32;

    private static bool IsBucketName(string name) =>
        name.Length is >= 3 and <= 63 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '.' or '-');
}
