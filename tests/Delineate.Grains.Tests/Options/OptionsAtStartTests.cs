using Delineate.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Delineate.Grains.Tests.Options;

/// <summary>A bad setting stops the process at start, with a message that names the variable.</summary>
public sealed class OptionsAtStartTests : IDisposable
{
    private readonly TempFolder _exports = new();

    [Theory]
    [InlineData("JOB_MAX_ATTEMPTS", "0")]
    [InlineData("JOB_TTL_SECONDS", "0")]
    [InlineData("FILE_SOURCE", "ftp")]
    [InlineData("BLOB_SIGNING_KEY", "short")]
    [InlineData("WEBHOOK_SECRET", "short")]
    [InlineData("WEBHOOK_MAX_ATTEMPTS", "0")]
    [InlineData("WEBHOOK_TIMEOUT_MS", "10")]
    [InlineData("WEBHOOK_BACKOFF_BASE_MS", "0")]
    [InlineData("ORLEANS_REMINDER_PERIOD_SECONDS", "0")]
    public async Task A_host_with_a_bad_setting_does_not_start(string variable, string value)
    {
        using var host = Host(new() { [variable] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(variable, error.Message);
    }

    [Fact]
    public async Task A_setting_that_is_not_a_number_names_its_variable()
    {
        using var host = Host(new() { ["JOB_MAX_ATTEMPTS"] = "three" });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync());

        Assert.Contains("JOB_MAX_ATTEMPTS", error.Message);
    }

    [Fact]
    public async Task A_host_with_good_settings_starts_and_prepares_the_export_folder()
    {
        using var host = Host(new() { ["JOB_MAX_ATTEMPTS"] = "5" });

        await host.StartAsync();
        await host.StopAsync();

        Assert.True(Directory.Exists(_exports.Path));
    }

    [Fact]
    public void The_silo_allows_reminders_as_often_as_the_job_setting_asks()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ORLEANS_REMINDER_PERIOD_SECONDS"] = "2",
            ["EXPORT_DIR"] = _exports.Path,
        }).Build();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleans(silo => silo.AddDelineateSilo(config, HostingSettings.Load(config, DelineateMode.Embedded)));
        using var host = builder.Build();

        var reminders = host.Services.GetRequiredService<IOptions<ReminderOptions>>().Value;

        Assert.Equal(TimeSpan.FromSeconds(2), reminders.MinimumReminderPeriod);
    }

    public void Dispose() => _exports.Dispose();

    private IHost Host(Dictionary<string, string?> settings)
    {
        settings["EXPORT_DIR"] = _exports.Path;
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        builder.Services.AddDownloadJobs(config, DelineateMode.Embedded);
        return builder.Build();
    }
}
