using Delineate.Abstractions;
using Delineate.Grains.Webhooks;

namespace Delineate.Grains.Jobs;

/// <summary>
/// What a job persists. Members keep their <c>[Id]</c> forever; new ones take new ids, so state
/// written by an older version still reads (<see cref="Version"/> says which shape wrote it).
/// </summary>
[GenerateSerializer, Alias("Delineate.DownloadJobState")]
public sealed class DownloadJobState
{
    /// <summary>1: the first shape; 2: with <see cref="Webhook"/> (absent, so null, in version 1 state).</summary>
    public const int CurrentVersion = 2;

    [Id(0)] public int Version { get; set; } = CurrentVersion;
    [Id(1)] public string Owner { get; set; } = "";
    [Id(2)] public JobStatus Status { get; set; }
    [Id(3)] public JobPhase Phase { get; set; }
    [Id(4)] public List<FileState> Files { get; set; } = [];
    [Id(5)] public DateTimeOffset CreatedAt { get; set; }
    [Id(6)] public DateTimeOffset UpdatedAt { get; set; }
    [Id(7)] public DateTimeOffset? StartedAt { get; set; }
    [Id(8)] public DateTimeOffset? FinishedAt { get; set; }
    [Id(9)] public DateTimeOffset Deadline { get; set; }
    [Id(10)] public string? TraceParent { get; set; }
    /// <summary>The last event's sequence number; events are published only after it is persisted.</summary>
    [Id(11)] public long Seq { get; set; }
    /// <summary>The highest progress published; progress never goes below it.</summary>
    [Id(12)] public int Percent { get; set; }
    /// <summary>The multipart upload in progress, so a successor can abort it.</summary>
    [Id(13)] public string? UploadId { get; set; }
    [Id(14)] public string? ArchiveKey { get; set; }
    [Id(15)] public long? ArchiveSize { get; set; }
    [Id(16)] public string? Error { get; set; }
    /// <summary>How many times the job's work was (re)started: 1 normally, more after failovers.</summary>
    [Id(17)] public int Runs { get; set; }
    /// <summary>How many times an operator retried the job (<see cref="JobRetry"/>).</summary>
    [Id(18)] public int Retries { get; set; }
    /// <summary>The idempotency key of the last retry: the same key again changes nothing.</summary>
    [Id(19)] public string? RetryKey { get; set; }
    /// <summary>The completion webhook and its delivery, when one was asked for (absent in older state).</summary>
    [Id(20)] public WebhookState? Webhook { get; set; }
}
