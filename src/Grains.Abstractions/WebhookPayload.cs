namespace Delineate.Abstractions;

/// <summary>
/// The JSON body of a completion webhook: the terminal event's fields and the job's result as the
/// status endpoint gives it. The request carries <see cref="SignatureHeader"/>:
/// <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256 over "&lt;t&gt;.&lt;raw body&gt;"&gt;</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("Delineate.WebhookPayload")]
public sealed record WebhookPayload
{
    public const string SignatureHeader = "Delineate-Signature";

    /// <summary>The name of the webhook in the OpenAPI document.</summary>
    public const string WebhookName = "jobFinished";

    /// <summary><c>completed</c>, <c>failed</c> or <c>cancelled</c>.</summary>
    [Id(0)] public required JobEventType Type { get; init; }
    [Id(1)] public required Guid JobId { get; init; }
    [Id(2)] public required JobStatus Status { get; init; }
    /// <summary>The terminal event's seq.</summary>
    [Id(3)] public required long Seq { get; init; }
    [Id(4)] public required DateTimeOffset At { get; init; }
    /// <summary>Percent, 0 to 100.</summary>
    [Id(5)] public required int Progress { get; init; }
    [Id(6)] public JobResult? Result { get; init; }
}
