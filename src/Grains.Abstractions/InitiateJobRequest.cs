namespace Delineate.Abstractions;

/// <summary>What the gateway hands a new job: validated, de-duplicated file ids and who asked.</summary>
[GenerateSerializer, Immutable, Alias("Delineate.InitiateJobRequest")]
public sealed record InitiateJobRequest
{
    [Id(0)] public required IReadOnlyList<int> FileIds { get; init; }
    [Id(1)] public required string Owner { get; init; }
    /// <summary>W3C traceparent of the initiating request, so the job's spans join its trace.</summary>
    [Id(2)] public string? TraceParent { get; init; }
}
