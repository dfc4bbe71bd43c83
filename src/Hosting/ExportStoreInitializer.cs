using Delineate.Grains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Delineate.Hosting;

/// <summary>Creates the export bucket (or folder) at start when it is missing.</summary>
internal sealed class ExportStoreInitializer(IExportStore exports, ILogger<ExportStoreInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await exports.EnsureReadyAsync(cancellationToken);
        }
        catch (Exception ex) when (TransientErrors.IsTransient(ex))
        {
            // Storage may come up after us; health reports it until then.
            logger.LogWarning(ex, "Export storage is not reachable yet");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
