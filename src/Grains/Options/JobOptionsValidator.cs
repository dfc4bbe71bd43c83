using Microsoft.Extensions.Options;

namespace Delineate.Grains.Options;

/// <summary>Checks job settings at start; each message names the variable to fix.</summary>
public sealed class JobOptionsValidator : IValidateOptions<JobOptions>
{
    public ValidateOptionsResult Validate(string? name, JobOptions o)
    {
        var errors = new SettingErrors();
        errors.Range("JOB_MAX_ATTEMPTS", o.MaxAttempts, 1, 20);
        errors.Range("JOB_TIMEOUT_MS", o.TimeoutMs, 1_000, 7 * 24 * 3_600_000);
        errors.Range("JOB_TTL_SECONDS", o.RetentionSeconds, 1, 30 * 24 * 3_600);
        errors.Range("JOB_CONCURRENCY", o.JobConcurrency, 1, 256);
        errors.Range("SILO_CONCURRENCY", o.SiloConcurrency, 1, 100_000);
        errors.Range("SILO_MAX_RUNNING_JOBS", o.SiloMaxRunningJobs, 1, 100_000);
        errors.Range("JOB_RETRY_BASE_DELAY_MS", o.RetryBaseDelayMs, 1, 60_000);
        errors.Range("JOB_FETCH_TIMEOUT_MS", o.FetchTimeoutMs, 100, 600_000);
        errors.Range("DOWNLOAD_DELAY_MIN_MS", o.DownloadDelayMinMs, 0, 3_600_000);
        errors.Range("DOWNLOAD_DELAY_MAX_MS", o.DownloadDelayMaxMs, 0, 3_600_000);
        if (o.DownloadDelayMaxMs < o.DownloadDelayMinMs)
        {
            errors.Add("DOWNLOAD_DELAY_MAX_MS must not be below DOWNLOAD_DELAY_MIN_MS.");
        }
        errors.Range("PRESIGNED_URL_EXPIRY_SECONDS", o.PresignedUrlExpirySeconds, 1, 7 * 24 * 3_600);
        errors.Range("ORLEANS_REMINDER_PERIOD_SECONDS", o.ReminderPeriodSeconds, 1, 3_600);
        return errors.ToResult();
    }
}
