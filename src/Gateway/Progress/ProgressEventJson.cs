using System.Text.Json.Serialization;
using Delineate.Abstractions;
using Delineate.Gateway.Jobs;

namespace Delineate.Gateway.Progress;

/// <summary>One progress event, as WebSocket message and SSE data (README, "API": progress events).</summary>
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
