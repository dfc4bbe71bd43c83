using Delineate.Abstractions;
using Delineate.Gateway.Errors;
using Delineate.Gateway.Owners;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Delineate.Gateway.Jobs;

/// <summary>What the job endpoints share: finding the caller's job, and the answers about ids and keys.</summary>
public static class JobLookup
{
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>
    /// The caller's job (owner, seq and status only: no link is signed for a check), or the refusal to
    /// answer: 400 for a malformed id, 404 for unknown or not yours.
    /// </summary>
    public static async Task<(JobHeader? Header, Refusal? Refusal)> FindAsync(string jobId, HttpContext context, IClusterClient cluster)
    {
        if (!JobIds.TryParse(jobId, out var id))
        {
            return (null, InvalidJobId());
        }
        var header = await cluster.GetGrain<IDownloadJobGrain>(id).GetHeader();
        // Another owner's job is indistinguishable from a missing one.
        return header is null || header.Owner != Owner.Of(context) ? (null, Problems.JobNotFound()) : (header, null);
    }

    public static ValidationProblem InvalidJobId() =>
        Problems.Field("jobId", "Must be a job id (a GUID like 0193a4b2-7c1d-7e8f-9a0b-1c2d3e4f5a6b).", "Invalid job id");

    /// <summary>The request's <c>Idempotency-Key</c> ("" when none), or the 400 when it is not one the service keeps.</summary>
    public static (string Key, ValidationProblem? Invalid) IdempotencyKey(HttpContext context)
    {
        var key = context.Request.Headers[IdempotencyHeader].ToString();
        return key.Length > 0 && !IsSaneKey(key)
            ? (key, Problems.Field(IdempotencyHeader, "Must be 1 to 255 printable ASCII characters.", "Invalid header"))
            : (key, null);
    }

    /// <summary>An <c>Idempotency-Key</c> the service keeps: 1 to 255 printable ASCII characters.</summary>
    public static bool IsSaneKey(string key) => key.Length <= 255 && key.All(c => c >= ' ' && c < 127);

    public static string Lower(JobStatus status) => status.ToString().ToLowerInvariant();
}
