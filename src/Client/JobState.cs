using System.Text.Json;
using System.Text.Json.Serialization;

namespace Delineate.Client;

/// <summary>
/// A job's status (<c>GET /v1/download/status/{jobId}</c>): progress, per-file results, and the
/// result once finished. Fields this version does not know are kept in <see cref="Extra"/>.
/// </summary>
public sealed record JobState
{
    public Guid JobId { get; init; }

    public long Seq { get; init; }

    public JobStatus Status { get; init; }

    public JobPhase Phase { get; init; }

    /// <summary>0 to 100; never goes back.</summary>
    public int Progress { get; init; }

    public int FilesDone { get; init; }

    public int FilesTotal { get; init; }

    public int FilesMissing { get; init; }

    public int FilesFailed { get; init; }

    public long BytesDone { get; init; }

    public int? EtaSeconds { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Null until the job has finished.</summary>
    public JobResult? Result { get; init; }

    public IReadOnlyList<FileOutcome> Files { get; init; } = [];

    /// <summary>Why the job failed, when it did.</summary>
    public string? Error { get; init; }

    public string? TraceId { get; init; }

    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extra { get; init; }
}
