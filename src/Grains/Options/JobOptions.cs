using Microsoft.Extensions.Configuration;

namespace Delineate.Grains.Options;

/// <summary>How jobs run. Bound from the flat variable names the old service used.</summary>
public sealed class JobOptions
{
    [ConfigurationKeyName("JOB_MAX_ATTEMPTS")]
    public int MaxAttempts { get; set; } = 3;

    [ConfigurationKeyName("JOB_TIMEOUT_MS")]
    public int TimeoutMs { get; set; } = 15 * 60 * 1000;

    /// <summary>Retention: how long a finished job and its archive are kept before the shard removes them.</summary>
    [ConfigurationKeyName("JOB_TTL_SECONDS")]
    public int RetentionSeconds { get; set; } = 24 * 60 * 60;

    [ConfigurationKeyName("JOB_CONCURRENCY")]
    public int JobConcurrency { get; set; } = 4;

    [ConfigurationKeyName("SILO_CONCURRENCY")]
    public int SiloConcurrency { get; set; } = 512;

    /// <summary>Jobs admitted to run at once by this silo's intake shards; the rest wait as queued.</summary>
    [ConfigurationKeyName("SILO_MAX_RUNNING_JOBS")]
    public int SiloMaxRunningJobs { get; set; } = 256;

    [ConfigurationKeyName("JOB_RETRY_BASE_DELAY_MS")]
    public int RetryBaseDelayMs { get; set; } = 200;

    [ConfigurationKeyName("JOB_FETCH_TIMEOUT_MS")]
    public int FetchTimeoutMs { get; set; } = 30_000;

    [ConfigurationKeyName("DOWNLOAD_DELAY_ENABLED")]
    public bool DownloadDelayEnabled { get; set; } = true;

    [ConfigurationKeyName("DOWNLOAD_DELAY_MIN_MS")]
    public int DownloadDelayMinMs { get; set; } = 1_000;

    [ConfigurationKeyName("DOWNLOAD_DELAY_MAX_MS")]
    public int DownloadDelayMaxMs { get; set; } = 5_000;

    [ConfigurationKeyName("PRESIGNED_URL_EXPIRY_SECONDS")]
    public int PresignedUrlExpirySeconds { get; set; } = 3_600;

    /// <summary>How often the wake-up reminder fires; also bounds resume time after a silo dies.</summary>
    [ConfigurationKeyName("ORLEANS_REMINDER_PERIOD_SECONDS")]
    public int ReminderPeriodSeconds { get; set; } = 60;

    public TimeSpan Timeout => TimeSpan.FromMilliseconds(TimeoutMs);
    public TimeSpan Retention => TimeSpan.FromSeconds(RetentionSeconds);
    public TimeSpan RetryBaseDelay => TimeSpan.FromMilliseconds(RetryBaseDelayMs);
    public TimeSpan FetchTimeout => TimeSpan.FromMilliseconds(FetchTimeoutMs);
    public TimeSpan UrlExpiry => TimeSpan.FromSeconds(PresignedUrlExpirySeconds);
    public TimeSpan ReminderPeriod => TimeSpan.FromSeconds(ReminderPeriodSeconds);
}
