using System.Text.Json.Serialization;

namespace Delineate.Gateway.Legacy;

/// <summary><c>POST /v1/download/check</c> and <c>/start</c> body.</summary>
public sealed record FileRequestBody([property: JsonPropertyName("file_id")] int FileId);

/// <summary><c>POST /v1/download/check</c>, the old service's shape.</summary>
public sealed record CheckResponse(
    [property: JsonPropertyName("file_id")] int FileId,
    bool Available,
    string? S3Key,
    long? Size);

/// <summary><c>POST /v1/download/start</c> when the file is done in time: the old service's shape.</summary>
public sealed record StartResponse(
    [property: JsonPropertyName("file_id")] int FileId,
    string Status,
    string? DownloadUrl,
    long? Size,
    long ProcessingTimeMs,
    string Message);
