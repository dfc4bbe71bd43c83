using System.Text.Json.Serialization;
using Delineate.Abstractions;

namespace Delineate.Gateway.Api;

/// <summary>202 answer to an initiate.</summary>
public sealed record InitiateResponse(Guid JobId, JobStatus Status, int TotalFileIds, string StatusUrl, string SubscribeUrl, string EventsUrl);

/// <summary>One progress event, as WebSocket message and SSE data (DESIGN.md "Progress and status").</summary>
public sealed record ProgressEventJson(
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
    FileResultJson? File,
    DateTimeOffset At,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);

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
    string? Error);

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
