using Delineate.Abstractions;

namespace Delineate.Gateway.Api;

/// <summary>What the job endpoints share: finding the caller's job, and the answers about ids and keys.</summary>
public static class JobLookup
{
    /// <summary>
    /// The caller's job (owner, seq and status only: no link is signed for a check), or the problem to
    /// answer: 400 for a malformed id, 404 for unknown or not yours.
    /// </summary>
    public static async Task<(JobHeader? Header, IResult? Problem)> FindAsync(string jobId, HttpContext context, IClusterClient cluster)
    {
        if (!JobIds.TryParse(jobId, out var id))
        {
            return (null, InvalidJobId());
        }
        var header = await cluster.GetGrain<IDownloadJobGrain>(id).GetHeader();
        // Another owner's job is indistinguishable from a missing one.
        return header is null || header.Owner != Owner.Of(context) ? (null, Problems.JobNotFound()) : (header, null);
    }

    public static IResult InvalidJobId() =>
        Problems.Field("jobId", "Must be a job id (a GUID like 0193a4b2-7c1d-7e8f-9a0b-1c2d3e4f5a6b).", "Invalid job id");

    /// <summary>An <c>Idempotency-Key</c> the service keeps: 1 to 255 printable ASCII characters.</summary>
    public static bool IsSaneKey(string key) => key.Length <= 255 && key.All(c => c >= ' ' && c < 127);

    public static string Lower(JobStatus status) => status.ToString().ToLowerInvariant();
}
