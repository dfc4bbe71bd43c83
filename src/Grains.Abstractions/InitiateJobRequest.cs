namespace Delineate.Abstractions;

/// <summary>What the gateway hands a new job: validated, de-duplicated file ids, who asked, and where to report the end.</summary>
[GenerateSerializer, Immutable, Alias("Delineate.InitiateJobRequest")]
public sealed record InitiateJobRequest
{
    [Id(0)] public required IReadOnlyList<int> FileIds { get; init; }
    [Id(1)] public required string Owner { get; init; }
    /// <summary>W3C traceparent of the initiating request, so the job's spans join its trace.</summary>
    [Id(2)] public string? TraceParent { get; init; }
    /// <summary>Where the completion webhook goes (already checked against the webhook address policy).</summary>
    [Id(3)] public string? CallbackUrl { get; init; }
    /// <summary>The initiating gateway's origin, so the webhook's relative download links can be made absolute.</summary>
    [Id(4)] public string? CallbackBaseUrl { get; init; }
}
