namespace Delineate.Grains.Storage;

/// <summary>
/// A store whose objects the gateway serves itself, behind the HMAC-signed <c>/v1/blobs/…</c> links of
/// <see cref="BlobUrlSigner"/>: the local stand-in for presigned S3 URLs. S3-backed stores do not implement it.
/// </summary>
public interface ISignedBlobSource
{
    /// <summary>The object under <paramref name="key"/>, or null when this store has none there.</summary>
    /// <exception cref="ArgumentException">The key would leave the store.</exception>
    Stream? OpenSigned(string key);
}
