using System.Globalization;
using Delineate.Grains.Options;
using Delineate.Grains.Storage;
using Delineate.Grains.Storage.S3;
using Delineate.Hosting;

namespace Delineate.Silo;

/// <summary><c>seed FROM-TO</c>: writes the synthetic file of every existing id in the range into the S3 source.</summary>
internal static class SeedCommand
{
    public static async Task RunAsync(string[] args)
    {
        if (args.Length != 1 || !TryParseRange(args[0], out var from, out var to))
        {
            throw new SettingsException("seed takes one range argument, FROM-TO, e.g. 'seed 70000-70700'.");
        }
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddOptions<StorageOptions>().Bind(builder.Configuration).ValidateOnStart();
        builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        builder.Services.AddS3Storage();
        builder.Services.AddSingleton<SourceSeeder>();
        using var host = builder.Build();
        await host.StartAsync();
        var written = await host.Services.GetRequiredService<SourceSeeder>().SeedAsync(from, to, CancellationToken.None);
        Console.WriteLine($"seeded {written} files for ids {from}-{to}");
        await host.StopAsync();
    }

    private static bool TryParseRange(string text, out int from, out int to)
    {
        from = to = 0;
        var parts = text.Split('-');
        return parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out from)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out to)
            && from <= to && to - from <= 10_000_000;
    }
}
