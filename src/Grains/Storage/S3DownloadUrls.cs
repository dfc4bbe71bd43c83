using Amazon.S3;
using Amazon.S3.Model;

namespace Delineate.Grains.Storage;

/// <summary>Presigned GET URLs that download an object under a given file name.</summary>
public static class S3DownloadUrls
{
    /// <summary>
    /// Signs locally (no request is sent), so it is safe to call synchronously. The URL carries a
    /// <c>response-content-disposition</c> override, so browsers save the object as <paramref name="fileName"/>.
    /// </summary>
    public static string Create(
        IAmazonS3 s3, string bucket, string key, string fileName, DateTimeOffset expiresAt, Protocol protocol) =>
        s3.GetPreSignedURL(new GetPreSignedUrlRequest
        {
            BucketName = bucket,
            Key = key,
            Verb = HttpVerb.GET,
            Protocol = protocol,
            Expires = expiresAt.UtcDateTime,
            ResponseHeaderOverrides = new ResponseHeaderOverrides { ContentDisposition = ContentDisposition(fileName) },
        });

    public static string ContentDisposition(string fileName)
    {
        var safe = string.Concat(fileName.Select(c => c is '"' or '\\' || char.IsControl(c) ? '_' : c));
        return $"attachment; filename=\"{safe}\"";
    }
}
