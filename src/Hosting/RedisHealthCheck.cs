using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Delineate.Hosting;

/// <summary>
/// Redis answers a PING (clustered mode: membership, grain state and reminders live there). The
/// connection is made once and reconnects by itself, so a Redis restart shows as an outage and then
/// as recovered.
/// </summary>
public sealed class RedisHealthCheck(HostingSettings settings) : IHealthCheck, IDisposable
{
    private readonly Lazy<ConnectionMultiplexer> _redis = new(() => ConnectionMultiplexer.Connect(settings.RedisOptions()));

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await _redis.Value.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy($"PING {latency.TotalMilliseconds:F1} ms");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy("Redis does not answer", ex);
        }
    }

    public void Dispose()
    {
        if (_redis.IsValueCreated)
        {
            _redis.Value.Dispose();
        }
    }
}
