using System.Security.Cryptography;
using System.Text;
using Delineate.Abstractions;

namespace Delineate.Gateway.Jobs;

/// <summary>A validated initiate body: de-duplicated file ids, and the callback URL when one was given.</summary>
public sealed record InitiateBody(IReadOnlyList<int> FileIds, string? CallbackUrl)
{
    /// <summary>The job request for <paramref name="owner"/>; relative links in its webhook resolve on this gateway.</summary>
    public InitiateJobRequest ToRequest(string owner, string? traceParent, HttpRequest http) => new()
    {
        FileIds = FileIds,
        Owner = owner,
        TraceParent = traceParent,
        CallbackUrl = CallbackUrl,
        CallbackBaseUrl = CallbackUrl is null ? null : $"{http.Scheme}://{http.Host}",
    };

    /// <summary>What an idempotency key is bound to; a body without a callback hashes as it always did.</summary>
    public string Hash() => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(
        string.Join(',', FileIds) + (CallbackUrl is null ? "" : "|" + CallbackUrl))));
}
