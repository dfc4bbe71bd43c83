namespace Delineate.Abstractions;

/// <summary>A job's completion webhook as clients see it in the status (absent when no callback was asked for).</summary>
[GenerateSerializer, Immutable, Alias("Delineate.JobWebhook")]
public sealed record JobWebhook
{
    [Id(0)] public required string Url { get; init; }
    [Id(1)] public required WebhookStatus Status { get; init; }
    /// <summary>Delivery attempts made so far (0 until the job finishes).</summary>
    [Id(2)] public int Attempts { get; init; }
    /// <summary>What went wrong with the latest failed attempt, if one failed.</summary>
    [Id(3)] public string? LastError { get; init; }
}
