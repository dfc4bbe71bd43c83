using Delineate.Abstractions;
using Delineate.Gateway.Errors;
using Delineate.Hosting;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Delineate.Gateway.Hosting;

public static class ClusterHostingExtensions
{
    /// <summary>
    /// Embedded (the default): co-hosts a silo with in-memory providers, configured by the same method
    /// the Silo host uses. Clustered: an Orleans client of the Redis-backed cluster.
    /// </summary>
    public static WebApplicationBuilder AddDelineateCluster(this WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        var settings = HostingSettings.Load(config, DelineateMode.Embedded);
        builder.Services.AddSingleton(settings);
        if (settings.Mode == DelineateMode.Embedded)
        {
            builder.UseOrleans(silo => silo.AddDelineateSilo(config, settings));
        }
        else
        {
            var redis = settings.RedisOptions();
            builder.UseOrleansClient(client =>
            {
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = settings.ClusterId;
                    o.ServiceId = settings.ServiceId;
                });
                client.UseRedisClustering(o => o.ConfigurationOptions = redis.Clone());
                // A call to a silo that just died fails after this (then 503), not after the 30 s default.
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
                client.AddMemoryStreams(StreamNames.Provider, streams => streams.ConfigurePartitioning(StreamNames.Queues));
                client.UseConnectionRetryFilter<RetryForeverFilter>();
                client.AddActivityPropagation();
                if (DashboardExtensions.IsConfigured(config))
                {
                    client.AddDashboard();
                }
            });
            builder.Services.AddDownloadJobs(config, settings.Mode);
            // The gateway writes new jobs itself (group-committed); the silos admit and run them.
            builder.Services.AddJobStore(settings);
            // Serve HTTP (liveness) while the client is still looking for a silo; readiness says when it found one.
            builder.Services.Configure<HostOptions>(o => o.ServicesStartConcurrently = true);
        }
        builder.Services.AddDelineateHealthChecks(settings)
            .AddCheck<ClusterHealthCheck>("cluster", tags: [HealthExtensions.ReadyTag]);
        builder.Services.AddExceptionHandler<ClusterUnavailableHandler>();
        return builder;
    }

    /// <summary>Keeps trying to reach the cluster: silos may start after the gateway.</summary>
    private sealed class RetryForeverFilter(ILogger<RetryForeverFilter> logger) : IClientConnectionRetryFilter
    {
        public async Task<bool> ShouldRetryConnectionAttempt(Exception exception, CancellationToken cancellationToken)
        {
            logger.LogWarning("No silo reachable yet ({Reason}); retrying", exception.Message);
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            return true;
        }
    }
}
