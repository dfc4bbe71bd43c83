using Delineate.Abstractions;

namespace Delineate.Gateway.Jobs;

/// <summary>Maps a job's status to the API's JSON; relative URLs become absolute on this gateway.</summary>
public static class StatusMapping
{
    public static StatusJson ToJson(this JobSnapshot s, HttpRequest request)
    {
        var baseUrl = $"{request.Scheme}://{request.Host}";
        var p = s.Progress;
        return new StatusJson(
            s.JobId, s.Seq, p.Status, p.Phase, p.Percent, p.FilesDone, p.FilesTotal, p.FilesMissing, p.FilesFailed,
            p.BytesDone, p.EtaSeconds, s.CreatedAt, s.UpdatedAt,
            s.Result is { } r
                ? new ResultJson(r.SuccessCount, r.MissingCount, r.FailedCount, Absolute(r.ArchiveUrl, baseUrl),
                    r.DownloadUrls.Select(u => Absolute(u, baseUrl)!).ToList(), r.ExpiresAt, r.Message)
                : null,
            s.Files.Select(f => f.ToJson(baseUrl)).ToList(),
            s.Error,
            s.TraceId,
            s.Webhook is { } w ? new WebhookJson(w.Url, w.Status, w.Attempts, w.LastError) : null);
    }

    public static string? Absolute(string? url, string? baseUrl) =>
        url is not null && baseUrl is not null && url.StartsWith('/') ? baseUrl + url : url;

    /// <summary>One file's result; its URL made absolute when <paramref name="baseUrl"/> is given.</summary>
    public static FileResultJson ToJson(this FileResult f, string? baseUrl) =>
        new(f.FileId, f.Status, f.Size, f.Attempts, Absolute(f.Url, baseUrl), f.Error);
}
