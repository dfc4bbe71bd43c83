namespace Delineate.Abstractions;

/// <summary>One progress event on the job's stream; <see cref="Seq"/> strictly increases per job.</summary>
[GenerateSerializer, Immutable, Alias("Delineate.JobEvent")]
public sealed record JobEvent
{
    [Id(0)] public required JobEventType Type { get; init; }
    [Id(1)] public required Guid JobId { get; init; }
    [Id(2)] public required long Seq { get; init; }
    [Id(3)] public required JobProgress Progress { get; init; }
    /// <summary>The file this event is about, when it is about one.</summary>
    [Id(4)] public FileResult? File { get; init; }
    [Id(5)] public required DateTimeOffset At { get; init; }
    [Id(6)] public string? Error { get; init; }
}
