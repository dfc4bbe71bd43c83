using Delineate.Grains.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Delineate.Gateway.Blobs;

/// <summary>
/// <c>GET /v1/blobs/{key}</c>: serves local exports and synthetic source files behind HMAC-signed,
/// expiring URLs — the local stand-in for presigned S3 URLs.
/// </summary>
public static class BlobApi
{
    public static RouteGroupBuilder MapBlobs(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup(BlobUrlSigner.RoutePrefix.TrimEnd('/'));
        api.MapGet("/{**key}", Get)
            .Produces<Stream>(StatusCodes.Status200OK, "application/zip")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithTags("blobs")
            .WithSummary("A signed, expiring download link (embedded exports, synthetic files)");
        return api;
    }

    public static Results<FileStreamHttpResult, ProblemHttpResult> Get(string key, string? name, string? expires, string? sig, BlobUrlSigner signer, IExportStore exports, IFileSource source)
    {
        // Keys the service signs are plain "exports/…" and "downloads/…" names: anything that could climb
        // out of its folder is refused as a bad link, even with a valid signature.
        if (!IsPlainKey(key) || !signer.IsValid(key, name, expires, sig))
        {
            return Forbidden();
        }
        // Only the stores this deployment serves itself: S3-backed ones hand out presigned S3 URLs instead.
        Stream? content;
        try
        {
            content = (exports as ISignedBlobSource)?.OpenSigned(key) ?? (source as ISignedBlobSource)?.OpenSigned(key);
        }
        catch (ArgumentException)
        {
            return Forbidden();
        }
        return content is null
            ? TypedResults.Problem("No such object.", statusCode: StatusCodes.Status404NotFound, title: "Not found")
            : TypedResults.Stream(content, "application/zip", name);
    }

    private static ProblemHttpResult Forbidden() =>
        TypedResults.Problem("The link is invalid or has expired.", statusCode: StatusCodes.Status403Forbidden, title: "Forbidden");

    private static bool IsPlainKey(string key) =>
        key.Length is > 0 and <= 1024
        && !key.Contains('\\') && !key.Contains('%') && !key.StartsWith('/')
        && key.Split('/').All(segment => segment.Length > 0 && segment != "." && segment != "..")
        && key.All(c => c > ' ' && c < 127);
}
