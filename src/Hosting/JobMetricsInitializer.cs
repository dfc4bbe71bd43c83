using Delineate.Grains.Jobs;
using Microsoft.Extensions.Hosting;

namespace Delineate.Hosting;

/// <summary>
/// Creates <see cref="JobMetrics"/> when the silo starts, so every job counter is on <c>/metrics</c> at 0
/// before the first job (and a first resume or failure shows as an increase).
/// </summary>
internal sealed class JobMetricsInitializer(JobMetrics metrics) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        GC.KeepAlive(metrics);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
