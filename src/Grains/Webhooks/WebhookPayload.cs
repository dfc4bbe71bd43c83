using System.Text.Json;
using System.Text.Json.Serialization;
using Delineate.Abstractions;
using Delineate.Grains.Jobs;

namespace Delineate.Grains.Webhooks;

/// <summary>
/// The body a completion webhook POSTs: the terminal event's fields, as the WebSocket and SSE carry
/// them, plus <c>result</c> as the status endpoint answers it (links signed at send time, absolute).
/// </summary>
public sealed record WebhookPayload(
    JobEventType Type,
    Guid JobId,
    long Seq,
    JobStatus Status,
    JobPhase Phase,
    int Progress,
    int FilesDone,
    int FilesTotal,
    int FilesMissing,
    int FilesFailed,
    long BytesDone,
    int? EtaSeconds,
    DateTimeOffset At,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error,
    JobResult? Result)
{
    /// <summary>The API's JSON conventions: camelCase names and enum values.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>
    /// The payload of a finished job. Its terminal event is the state's last: the seq, and the time
    /// (<see cref="DownloadJobState.UpdatedAt"/>, which webhook bookkeeping never moves).
    /// </summary>
    public static WebhookPayload Of(Guid jobId, DownloadJobState state, DateTimeOffset now, JobLinks links, string? baseUrl)
    {
        var snapshot = JobReadModel.Snapshot(jobId, state, now, links);
        var p = snapshot.Progress;
        var result = snapshot.Result is { } r
            ? r with { ArchiveUrl = Absolute(r.ArchiveUrl, baseUrl), DownloadUrls = r.DownloadUrls.Select(u => Absolute(u, baseUrl)!).ToList() }
            : null;
        return new WebhookPayload(state.Status.TerminalEventType(), jobId, state.Seq, p.Status, p.Phase, p.Percent, p.FilesDone, p.FilesTotal,
            p.FilesMissing, p.FilesFailed, p.BytesDone, p.EtaSeconds, state.UpdatedAt, state.Status == JobStatus.Failed ? state.Error : null, result);
    }

    public byte[] ToUtf8() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    /// <summary>Links the gateway serves itself (<c>/v1/blobs/…</c>) are relative: absolute on the initiating gateway.</summary>
    private static string? Absolute(string? url, string? baseUrl) =>
        url is not null && baseUrl is not null && url.StartsWith('/') ? baseUrl.TrimEnd('/') + url : url;
}
