namespace Delineate.Gateway.Jobs;

/// <summary>The paths a client follows a job by.</summary>
public sealed record JobUrls(string Status, string Subscribe, string Events)
{
    public static JobUrls For(Guid jobId) => new(
        $"/v1/download/status/{jobId}",
        $"/v1/download/subscribe/{jobId}",
        $"/v1/download/events/{jobId}");
}
