using Delineate.Hosting;

namespace Delineate.Silo;

/// <summary>
/// The clustered silo host: <c>dotnet run --project src/Silo</c>, or
/// <c>dotnet run --project src/Silo -- seed 70000-70700</c> to write synthetic files into the S3 source.
/// </summary>
public static class SiloProgram
{
    public static Task<int> Main(string[] args) => HostRunner.RunAsync(async () =>
    {
        if (args.Length > 0 && args[0] == "seed")
        {
            await SeedCommand.RunAsync(args[1..]);
            return;
        }
        var builder = WebApplication.CreateBuilder(args);
        var settings = HostingSettings.Load(builder.Configuration, DelineateMode.Clustered) with { Mode = DelineateMode.Clustered };
        builder.UsePortSetting(defaultPort: 8080);
        builder.AddDelineateTelemetry("delineate-silo");
        builder.UseOrleans(silo => silo.AddDelineateSilo(builder.Configuration, settings));
        builder.Services.AddSingleton(settings);
        builder.Services.AddDelineateHealthChecks(settings);

        var app = builder.Build();
        app.MapDelineateDashboard(DelineateMode.Clustered);
        app.MapDelineateHealth();
        app.MapDelineateTelemetry();
        await app.RunAsync();
    });
}
