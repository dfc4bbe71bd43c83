using System.Text.Json;
using System.Text.Json.Serialization;

namespace Delineate.Client;

/// <summary>
/// One progress event (a WebSocket message, an SSE <c>data:</c>, or one made from a polled status).
/// <see cref="Seq"/> increases strictly per job; <see cref="Progress"/> never goes back.
/// </summary>
public sealed record JobEvent
{
    public JobEventType Type { get; init; }

    public Guid JobId { get; init; }

    public long Seq { get; init; }

    public JobStatus Status { get; init; }

    public JobPhase Phase { get; init; }

    public int Progress { get; init; }

    public int FilesDone { get; init; }

    public int FilesTotal { get; init; }

    public int FilesMissing { get; init; }

    public int FilesFailed { get; init; }

    public long BytesDone { get; init; }

    public int? EtaSeconds { get; init; }

    /// <summary>The file this event reports on, for per-file progress events.</summary>
    public FileOutcome? File { get; init; }

    public DateTimeOffset At { get; init; }

    public string? Error { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }

    /// <summary>True for the event that ends the job's stream.</summary>
    [JsonIgnore]
    public bool IsTerminal => Type.IsTerminal();

    /// <summary>The event a polled status stands for: <paramref name="type"/> with the status' counters.</summary>
    public static JobEvent FromState(JobState state, JobEventType type) => new()
    {
        Type = type,
        JobId = state.JobId,
        Seq = state.Seq,
        Status = state.Status,
        Phase = state.Phase,
        Progress = state.Progress,
        FilesDone = state.FilesDone,
        FilesTotal = state.FilesTotal,
        FilesMissing = state.FilesMissing,
        FilesFailed = state.FilesFailed,
        BytesDone = state.BytesDone,
        EtaSeconds = state.EtaSeconds,
        At = state.UpdatedAt,
        Error = state.Error,
    };
}
