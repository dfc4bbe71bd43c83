namespace Delineate.Client;

/// <summary>Optional parts of an initiate.</summary>
public sealed record InitiateOptions
{
    /// <summary>Sent as <c>Idempotency-Key</c>: a retried initiate with the same key and body returns the same job.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Sent as <c>callback_url</c>: where the service POSTs the result when the job finishes.</summary>
    public Uri? CallbackUrl { get; init; }
}
