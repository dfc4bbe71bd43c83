using Microsoft.Extensions.Configuration;

namespace Delineate.Grains.Options;

/// <summary>
/// Completion webhooks: the signing secret, retries, and which destinations are allowed. Every
/// gateway and silo of a cluster must share them: gateways check <c>callback_url</c> with them,
/// silos sign and send with them.
/// </summary>
public sealed class WebhookOptions
{
    /// <summary>Key of the <c>Delineate-Signature</c> HMAC; without it no webhook is accepted or sent.</summary>
    [ConfigurationKeyName("WEBHOOK_SECRET")]
    public string? Secret { get; set; }

    [ConfigurationKeyName("WEBHOOK_MAX_ATTEMPTS")]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>How long one delivery attempt may take (connect, send, response headers).</summary>
    [ConfigurationKeyName("WEBHOOK_TIMEOUT_MS")]
    public int TimeoutMs { get; set; } = 10_000;

    /// <summary>The wait after the first failed attempt; it doubles per attempt, with jitter.</summary>
    [ConfigurationKeyName("WEBHOOK_BACKOFF_BASE_MS")]
    public int BackoffBaseMs { get; set; } = 2_000;

    /// <summary>True: callbacks may go to private, loopback and link-local addresses (tests, closed networks).</summary>
    [ConfigurationKeyName("WEBHOOK_ALLOW_PRIVATE_NETWORKS")]
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>No wait between attempts is longer than this, whatever the base and the attempt.</summary>
    public static readonly TimeSpan MaxBackoff = TimeSpan.FromHours(1);

    public bool Enabled => !string.IsNullOrEmpty(Secret);
    public TimeSpan Timeout => TimeSpan.FromMilliseconds(TimeoutMs);
    public TimeSpan BackoffBase => TimeSpan.FromMilliseconds(BackoffBaseMs);
}
