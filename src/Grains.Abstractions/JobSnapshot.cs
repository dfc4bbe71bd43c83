namespace Delineate.Abstractions;

/// <summary>A job's full status at one moment, as of event <see cref="Seq"/>.</summary>
[GenerateSerializer, Immutable, Alias("Delineate.JobSnapshot")]
public sealed record JobSnapshot
{
    [Id(0)] public required Guid JobId { get; init; }
    [Id(1)] public required string Owner { get; init; }
    [Id(2)] public required long Seq { get; init; }
    [Id(3)] public required JobProgress Progress { get; init; }
    [Id(4)] public required IReadOnlyList<FileResult> Files { get; init; }
    [Id(5)] public JobResult? Result { get; init; }
    [Id(6)] public string? Error { get; init; }
    [Id(7)] public required DateTimeOffset CreatedAt { get; init; }
    [Id(8)] public required DateTimeOffset UpdatedAt { get; init; }
    /// <summary>The trace the job's spans belong to (the initiating request's), when it was traced.</summary>
    [Id(9)] public string? TraceId { get; init; }
    /// <summary>The completion webhook, when the job was initiated with a <c>callback_url</c>.</summary>
    [Id(10)] public JobWebhook? Webhook { get; init; }
}
