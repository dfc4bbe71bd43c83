using Microsoft.Extensions.Options;

namespace Delineate.Hosting;

/// <summary>Runs a host; a configuration error ends the process with a message naming the setting.</summary>
public static class HostRunner
{
    public const int ConfigurationErrorExitCode = 2;

    public static async Task<int> RunAsync(Func<Task> run)
    {
        try
        {
            await run();
            return 0;
        }
        catch (Exception ex) when (FindConfigurationError(ex) is { } message)
        {
            await Console.Error.WriteLineAsync($"Configuration error: {message}");
            return ConfigurationErrorExitCode;
        }
    }

    private static string? FindConfigurationError(Exception? ex) => ex switch
    {
        null => null,
        SettingsException settings => settings.Message,
        OptionsValidationException validation => string.Join(" ", validation.Failures),
        // The binder names the key it could not convert: "Failed to convert configuration value at 'JOB_MAX_ATTEMPTS'".
        InvalidOperationException { Message: var m } when m.Contains("configuration value", StringComparison.Ordinal) => m,
        AggregateException aggregate => aggregate.InnerExceptions.Select(FindConfigurationError).FirstOrDefault(m => m is not null),
        _ => FindConfigurationError(ex.InnerException),
    };
}
