using System.Text;
using Microsoft.Extensions.Options;

namespace Delineate.Grains.Options;

/// <summary>Checks webhook settings at start; each message names the variable to fix.</summary>
public sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookOptions o)
    {
        var errors = new SettingErrors();
        errors.Range("WEBHOOK_MAX_ATTEMPTS", o.MaxAttempts, 1, 50);
        errors.Range("WEBHOOK_TIMEOUT_MS", o.TimeoutMs, 100, 300_000);
        errors.Range("WEBHOOK_BACKOFF_BASE_MS", o.BackoffBaseMs, 1, 3_600_000);
        if (o.Secret is { Length: > 0 } secret && Encoding.UTF8.GetByteCount(secret) < StorageOptionsValidator.MinSigningKeyBytes)
        {
            errors.Add($"WEBHOOK_SECRET must be at least {StorageOptionsValidator.MinSigningKeyBytes} bytes (was {Encoding.UTF8.GetByteCount(secret)}).");
        }
        return errors.ToResult();
    }
}
