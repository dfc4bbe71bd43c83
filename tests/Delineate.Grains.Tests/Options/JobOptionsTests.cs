using Delineate.Grains.Options;
using Microsoft.Extensions.Configuration;

namespace Delineate.Grains.Tests.Options;

public sealed class JobOptionsTests
{
    [Fact]
    public void The_old_flat_variable_names_bind()
    {
        var options = Bind(new()
        {
            ["JOB_MAX_ATTEMPTS"] = "5",
            ["JOB_TIMEOUT_MS"] = "60000",
            ["JOB_TTL_SECONDS"] = "120",
            ["JOB_CONCURRENCY"] = "8",
            ["SILO_CONCURRENCY"] = "64",
            ["JOB_RETRY_BASE_DELAY_MS"] = "50",
            ["JOB_FETCH_TIMEOUT_MS"] = "2000",
            ["DOWNLOAD_DELAY_ENABLED"] = "false",
            ["DOWNLOAD_DELAY_MIN_MS"] = "10",
            ["DOWNLOAD_DELAY_MAX_MS"] = "20",
            ["PRESIGNED_URL_EXPIRY_SECONDS"] = "900",
            ["ORLEANS_REMINDER_PERIOD_SECONDS"] = "5",
        });

        Assert.Equal((5, 8, 64, false, 10, 20), (options.MaxAttempts, options.JobConcurrency, options.SiloConcurrency, options.DownloadDelayEnabled, options.DownloadDelayMinMs, options.DownloadDelayMaxMs));
        Assert.Equal(TimeSpan.FromMinutes(1), options.Timeout);
        Assert.Equal(TimeSpan.FromMinutes(2), options.Retention);
        Assert.Equal(TimeSpan.FromMilliseconds(50), options.RetryBaseDelay);
        Assert.Equal(TimeSpan.FromSeconds(2), options.FetchTimeout);
        Assert.Equal(TimeSpan.FromMinutes(15), options.UrlExpiry);
        Assert.Equal(TimeSpan.FromSeconds(5), options.ReminderPeriod);
        Assert.True(new JobOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void The_defaults_are_valid() =>
        Assert.True(new JobOptionsValidator().Validate(null, new JobOptions()).Succeeded);

    [Theory]
    [InlineData("JOB_MAX_ATTEMPTS", "0")]
    [InlineData("JOB_MAX_ATTEMPTS", "21")]
    [InlineData("JOB_TIMEOUT_MS", "999")]
    [InlineData("JOB_TTL_SECONDS", "0")]
    [InlineData("JOB_CONCURRENCY", "0")]
    [InlineData("SILO_CONCURRENCY", "0")]
    [InlineData("JOB_RETRY_BASE_DELAY_MS", "0")]
    [InlineData("JOB_FETCH_TIMEOUT_MS", "99")]
    [InlineData("DOWNLOAD_DELAY_MIN_MS", "-1")]
    [InlineData("PRESIGNED_URL_EXPIRY_SECONDS", "0")]
    [InlineData("ORLEANS_REMINDER_PERIOD_SECONDS", "0")]
    public void A_value_out_of_range_is_reported_by_its_variable_name(string variable, string value)
    {
        var result = new JobOptionsValidator().Validate(null, Bind(new() { [variable] = value }));

        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith(variable + " ", failure);
        Assert.Contains($"(was {value})", failure);
    }

    [Fact]
    public void A_delay_range_upside_down_names_both_bounds()
    {
        var result = new JobOptionsValidator().Validate(null, Bind(new() { ["DOWNLOAD_DELAY_MIN_MS"] = "500", ["DOWNLOAD_DELAY_MAX_MS"] = "100" }));

        var failure = Assert.Single(result.Failures!);
        Assert.Contains("DOWNLOAD_DELAY_MAX_MS", failure);
        Assert.Contains("DOWNLOAD_DELAY_MIN_MS", failure);
    }

    [Fact]
    public void Every_bad_value_is_reported_at_once()
    {
        var result = new JobOptionsValidator().Validate(null, Bind(new() { ["JOB_MAX_ATTEMPTS"] = "0", ["JOB_CONCURRENCY"] = "0" }));

        Assert.Equal(2, result.Failures!.Count());
    }

    private static JobOptions Bind(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().Get<JobOptions>()!;
}
