using Delineate.Abstractions;
using Delineate.Grains.Options;

namespace Delineate.Grains.Webhooks;

/// <summary>
/// A job's completion webhook as persisted with the job's state: where it goes and how its delivery
/// stands. Members keep their <c>[Id]</c> forever. The transitions are pure (clock and jitter given),
/// so the schedule is tested without a cluster.
/// </summary>
[GenerateSerializer, Alias("Delineate.WebhookState")]
public sealed class WebhookState
{
    [Id(0)] public string Url { get; set; } = "";
    /// <summary>The initiating gateway's origin: relative download links in the payload are made absolute on it.</summary>
    [Id(1)] public string? BaseUrl { get; set; }
    [Id(2)] public WebhookStatus Status { get; set; }
    [Id(3)] public int Attempts { get; set; }
    [Id(4)] public string? LastError { get; set; }
    /// <summary>When the next attempt is due; null once delivered or given up.</summary>
    [Id(5)] public DateTimeOffset? NextAttemptAt { get; set; }
    [Id(6)] public DateTimeOffset? SettledAt { get; set; }

    public static WebhookState? For(InitiateJobRequest request) =>
        request.CallbackUrl is { } url ? new WebhookState { Url = url, BaseUrl = request.CallbackBaseUrl } : null;

    /// <summary>The job reached a terminal event: a delivery of it is due now (again, if the job ran again).</summary>
    public void Arm(DateTimeOffset now) =>
        (Status, Attempts, LastError, NextAttemptAt, SettledAt) = (WebhookStatus.Pending, 0, null, now, null);

    public void Delivered(DateTimeOffset now)
    {
        Attempts++;
        (Status, NextAttemptAt, SettledAt) = (WebhookStatus.Delivered, null, now);
    }

    /// <summary>
    /// An attempt failed: the next is due after an exponential backoff with jitter, unless this was the
    /// last attempt or the failure is final (a refused destination). <paramref name="jitter"/> is in [0, 1).
    /// </summary>
    public void Failed(string error, bool final, DateTimeOffset now, WebhookOptions options, double jitter)
    {
        Attempts++;
        LastError = error;
        if (final || Attempts >= options.MaxAttempts)
        {
            (Status, NextAttemptAt, SettledAt) = (WebhookStatus.Failed, null, now);
            return;
        }
        NextAttemptAt = now + Backoff(Attempts, options.BackoffBase, jitter);
    }

    /// <summary>After failed attempt <paramref name="attempt"/> (from 1): base × 2^(attempt-1), capped, half of it jittered.</summary>
    public static TimeSpan Backoff(int attempt, TimeSpan baseDelay, double jitter)
    {
        var full = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(full, WebhookOptions.MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((capped / 2) + (capped / 2 * jitter));
    }

    public JobWebhook ToContract() => new() { Url = Url, Status = Status, Attempts = Attempts, LastError = LastError };
}
