using System.ComponentModel;
using System.Text.Json.Serialization;
using Delineate.Abstractions;

namespace Delineate.Gateway.Jobs;

/// <summary><c>POST /v1/download/initiate</c> body (documented shape; parsed by <see cref="InitiateRequestParser"/>).</summary>
public sealed record InitiateRequestBody(
    [property: JsonPropertyName("file_ids"), Description("1 to 1000 file ids in [10000, 100000000]; duplicates are dropped.")]
    IReadOnlyList<int> FileIds,
    [property: JsonPropertyName("callback_url"), Description(
        "Optional completion webhook: an absolute http(s) URL that gets a POST of the terminal event and the result, " +
        "signed in Delineate-Signature. Private, loopback and link-local destinations are refused.")]
    string? CallbackUrl = null);

/// <summary>202 answer to an initiate.</summary>
public sealed record InitiateResponse(Guid JobId, JobStatus Status, int TotalFileIds, string StatusUrl, string SubscribeUrl, string EventsUrl);

/// <summary><c>GET /v1/download/status/{jobId}</c>.</summary>
public sealed record StatusJson(
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
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    ResultJson? Result,
    IReadOnlyList<FileResultJson> Files,
    string? Error,
    string? TraceId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] WebhookJson? Webhook = null);

/// <summary>The completion webhook of a job initiated with a <c>callback_url</c>.</summary>
public sealed record WebhookJson(
    string Url,
    WebhookStatus Status,
    [property: Description("Delivery attempts made so far (0 until the job ends).")] int Attempts,
    [property: Description("What went wrong with the latest failed attempt; kept once delivered, to explain the attempts.")] string? LastError);

public sealed record ResultJson(
    int SuccessCount,
    int MissingCount,
    int FailedCount,
    string? ArchiveUrl,
    IReadOnlyList<string> DownloadUrls,
    DateTimeOffset? ExpiresAt,
    string? Message);

public sealed record FileResultJson(
    [property: JsonPropertyName("file_id")] int FileId,
    FileStatus Status,
    long? Size,
    int Attempts,
    string? Url,
    string? Error);

/// <summary><c>GET /v1/download/jobs</c>.</summary>
public sealed record JobListJson(IReadOnlyList<JobListItemJson> Jobs, Guid? NextCursor, int Total);

public sealed record JobListItemJson(Guid JobId, JobStatus Status, int FilesTotal, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string StatusUrl);
