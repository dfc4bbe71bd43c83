using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Delineate.Grains.Options;
using Microsoft.Extensions.Options;

namespace Delineate.Grains.Storage;

/// <summary>
/// Signs and checks the gateway's own download URLs (<c>/v1/blobs/{key}</c>): the local stand-in for
/// a presigned S3 URL. HMAC-SHA256 over key, file name and expiry.
/// </summary>
public sealed class BlobUrlSigner(IOptions<StorageOptions> options, TimeProvider time)
{
    public const string RoutePrefix = "/v1/blobs/";

    private readonly byte[] _key = Encoding.UTF8.GetBytes(options.Value.EffectiveBlobSigningKey);

    public string CreateUrl(string key, string fileName, DateTimeOffset expiresAt)
    {
        var expires = expiresAt.ToUnixTimeSeconds();
        var signature = Sign(key, fileName, expires);
        return $"{RoutePrefix}{key}?name={Uri.EscapeDataString(fileName)}&expires={expires}&sig={signature}";
    }

    /// <summary>True when the signature matches and the URL has not expired.</summary>
    public bool IsValid(string key, string? fileName, string? expires, string? signature)
    {
        if (fileName is null || signature is null
            || !long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var expiresAt))
        {
            return false;
        }
        if (time.GetUtcNow().ToUnixTimeSeconds() > expiresAt)
        {
            return false;
        }
        var expected = Encoding.ASCII.GetBytes(Sign(key, fileName, expiresAt));
        var actual = Encoding.ASCII.GetBytes(signature);
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    private string Sign(string key, string fileName, long expires)
    {
        var payload = Encoding.UTF8.GetBytes($"{key}\n{fileName}\n{expires.ToString(CultureInfo.InvariantCulture)}");
        return Convert.ToHexStringLower(HMACSHA256.HashData(_key, payload));
    }
}
