namespace Delineate.Grains.Webhooks;

/// <summary>How one delivery attempt went: delivered, or the error, and whether trying again could help.</summary>
public readonly record struct WebhookAttempt(bool Delivered, string? Error, bool Final)
{
    public static WebhookAttempt Success => new(true, null, false);

    public static WebhookAttempt Retry(string error) => new(false, error, false);

    public static WebhookAttempt Refused(string error) => new(false, error, true);
}
