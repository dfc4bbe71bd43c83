using Delineate.Abstractions;

namespace Delineate.Gateway.Api;

/// <summary>Maps grain wire types to the API's JSON; relative URLs become absolute on this gateway.</summary>
public static class ApiMapping
{
    public static ProgressEventJson ToJson(this JobEvent e) => Event(e.Type, e.JobId, e.Seq, e.Progress, e.File is null ? null : File(e.File, null), e.At, e.Error);

    /// <summary>A snapshot event, or the terminal event of a finished job, built from its status.</summary>
    public static ProgressEventJson ToEvent(this JobSnapshot s, JobEventType type) =>
        Event(type, s.JobId, s.Seq, s.Progress, null, s.UpdatedAt, s.Error);

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
            s.Files.Select(f => File(f, baseUrl)).ToList(),
            s.Error,
            s.TraceId,
            s.Webhook is { } w ? new WebhookJson(w.Url, w.Status, w.Attempts, w.LastError) : null);
    }

    public static string? Absolute(string? url, string? baseUrl) =>
        url is not null && baseUrl is not null && url.StartsWith('/') ? baseUrl + url : url;

    private static ProgressEventJson Event(JobEventType type, Guid jobId, long seq, JobProgress p, FileResultJson? file, DateTimeOffset at, string? error) =>
        new(type, jobId, seq, p.Status, p.Phase, p.Percent, p.FilesDone, p.FilesTotal, p.FilesMissing, p.FilesFailed,
            p.BytesDone, p.EtaSeconds, file, at, error);

    private static FileResultJson File(FileResult f, string? baseUrl) =>
        new(f.FileId, f.Status, f.Size, f.Attempts, Absolute(f.Url, baseUrl), f.Error);
}
