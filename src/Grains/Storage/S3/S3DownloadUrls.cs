using Amazon.S3;
using Amazon.S3.Model;
using Delineate.Grains.Options;

namespace Delineate.Grains.Storage.S3;

/// <summary>
/// Presigned GET URLs that download an object under a given file name. When <c>S3_PUBLIC_ENDPOINT</c>
/// is set (the address clients reach S3 by, e.g. localhost:9000 when the services use rustfs:9000),
/// URLs are signed for that endpoint by a second client; signing sends no request.
/// </summary>
public sealed class S3DownloadUrls
{
    private readonly IAmazonS3 _signer;
    private readonly Protocol _protocol;
    private readonly string _bucket;

    public S3DownloadUrls(IAmazonS3 s3, StorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _bucket = options.BucketName;
        if (string.IsNullOrWhiteSpace(options.S3PublicEndpoint))
        {
            _signer = s3;
            _protocol = S3ClientFactory.PresignProtocol(options);
        }
        else
        {
            var publicOptions = options.WithEndpoint(options.S3PublicEndpoint);
            _signer = S3ClientFactory.Create(publicOptions);
            _protocol = S3ClientFactory.PresignProtocol(publicOptions);
        }
    }

    /// <summary>
    /// The URL carries a <c>response-content-disposition</c> override, so browsers save the object as
    /// <paramref name="fileName"/>.
    /// </summary>
    public string Create(string key, string fileName, DateTimeOffset expiresAt) =>
        _signer.GetPreSignedURL(new GetPreSignedUrlRequest
        {
            BucketName = _bucket,
            Key = key,
            Verb = HttpVerb.GET,
            Protocol = _protocol,
            Expires = expiresAt.UtcDateTime,
            ResponseHeaderOverrides = new ResponseHeaderOverrides { ContentDisposition = ContentDisposition(fileName) },
        });

    public static string ContentDisposition(string fileName)
    {
        var safe = string.Concat(fileName.Select(c => c is '"' or '\\' || char.IsControl(c) ? '_' : c));
        return $"attachment; filename=\"{safe}\"";
    }
}
