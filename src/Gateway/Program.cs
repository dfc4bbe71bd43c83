using Delineate.Gateway.Blobs;
using Delineate.Gateway.Hosting;
using Delineate.Gateway.Jobs;
using Delineate.Gateway.Legacy;
using Delineate.Gateway.Progress;
using Delineate.Hosting;

return await HostRunner.RunAsync(async () =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.UsePortSetting(defaultPort: 3000);
    builder.AddDelineateTelemetry("delineate-gateway", GatewayMetrics.Name);
    builder.AddDelineateCluster();
    builder.Services.AddGatewayApi(builder.Configuration);

    var app = builder.Build();
    app.UseGatewayApi();
    app.MapDelineateDashboard(app.Services.GetRequiredService<HostingSettings>().Mode);
    app.MapDelineateHealth();
    app.MapDelineateTelemetry();
    app.MapJobs();
    app.MapProgress();
    app.MapLegacy();
    app.MapJobActions();
    app.MapBlobs();
    await app.RunAsync();
});

/// <summary>Visible to WebApplicationFactory-based tests.</summary>
public partial class Program;
