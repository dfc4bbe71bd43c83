using Delineate.Gateway.Api;
using Delineate.Gateway.Hosting;
using Delineate.Silo.Hosting;

return await HostRunner.RunAsync(async () =>
{
    var builder = WebApplication.CreateBuilder(args);
    builder.UsePortSetting(defaultPort: 3000);
    builder.AddDelineateCluster();
    builder.Services.AddGatewayApi(builder.Configuration);

    var app = builder.Build();
    app.UseGatewayApi();
    app.MapDelineateHealth();
    app.MapDownloadApi();
    app.MapBlobApi();
    await app.RunAsync();
});

/// <summary>Visible to WebApplicationFactory-based tests.</summary>
public partial class Program;
