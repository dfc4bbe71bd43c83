using Delineate.Abstractions;
using Delineate.Grains.Intake;
using Delineate.Grains.Jobs;
using Delineate.Grains.Options;
using Delineate.Grains.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Hosting;
using Orleans.Persistence;
using Orleans.Serialization;
using Orleans.Storage;
using StackExchange.Redis;

namespace Delineate.Hosting;

public static class SiloBuilderExtensions
{
    /// <summary>
    /// The one silo configuration, used by the Silo host (clustered) and by the gateway's embedded
    /// mode: clustering, job storage, reminders, the progress stream and the job services.
    /// </summary>
    public static ISiloBuilder AddDelineateSilo(this ISiloBuilder silo, IConfiguration config, HostingSettings settings)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });
        if (settings.Mode == DelineateMode.Embedded)
        {
            silo.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: settings.ServiceId, clusterId: settings.ClusterId)
                .AddMemoryGrainStorage("PubSubStore")
                .UseInMemoryReminderService();
        }
        else
        {
            var redis = settings.RedisOptions();
            silo.ConfigureEndpoints(settings.AdvertisedIp, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: !settings.AdvertisedIp.Equals(System.Net.IPAddress.Loopback))
                .UseRedisClustering(o => o.ConfigurationOptions = redis.Clone())
                .AddRedisGrainStorage("PubSubStore", storage => RedisState(storage, redis))
                .UseRedisReminderService(o => o.ConfigurationOptions = redis.Clone());
        }
        // The job store (Redis or memory) holds job records, owner indexes and the shards' sets; the job
        // grain's storage is the store's, so the intake and the grain agree on one record.
        silo.Services.AddJobStore(settings);
        silo.Services.AddKeyedSingleton<IGrainStorage>(DownloadJobGrain.StorageName,
            (sp, _) => ActivatorUtilities.CreateInstance<JobGrainStorage>(sp));
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, IntakeShardStarter>();
        silo.Services.AddSingleton<LocalSilo>();
        // A pulling agent polls its memory-stream queue every 100 ms by default, and that wait was most
        // of the publish -> client latency (bench P3, docs/benchmarks.md "Progress latency"). Every 2 ms
        // halves P3's median against 10 ms; two queues keep the polls to 1,000 cheap local calls a second.
        // A partition's stream carries many jobs, delivered one batch at a time per consumer: larger batches.
        silo.AddMemoryStreams(StreamNames.Provider, streams =>
        {
            streams.ConfigurePartitioning(StreamNames.Queues);
            streams.ConfigurePullingAgent(agent => agent.Configure(o =>
            {
                o.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(2);
                o.BatchContainerBatchSize = 64;
            }));
        });
        silo.AddActivityPropagation();
        if (DashboardExtensions.IsConfigured(config))
        {
            silo.AddDashboard();
        }

        // The wake-up reminder's period is a job setting (JobOptions, validated at start); Orleans must allow it.
        silo.Services.AddOptions<ReminderOptions>().Configure<IOptions<JobOptions>>((o, jobs) =>
        {
            var reminderPeriod = jobs.Value.ReminderPeriod;
            if (reminderPeriod < o.MinimumReminderPeriod)
            {
                o.MinimumReminderPeriod = reminderPeriod;
            }
        });
        if (settings.FastFailover)
        {
            // Measured on loopback (docs/platform-notes.md): a killed silo is declared dead in under a second.
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
            });
        }
        silo.Services.AddDownloadJobs(config, settings.Mode);
        // The job meters are created when the silo starts, not with its first job: their series exist at 0.
        silo.Services.AddHostedService<JobMetricsInitializer>();
        return silo;
    }

    /// <summary>A Redis state store: deleted on clear, in Orleans' binary format (older JSON still reads).</summary>
    private static void RedisState(OptionsBuilder<RedisStorageOptions> storage, ConfigurationOptions redis) =>
        storage.Configure<Serializer, IGrainStorageSerializer>((o, binary, json) =>
        {
            o.ConfigurationOptions = redis.Clone();
            o.DeleteStateOnClear = true;
            o.GrainStorageSerializer = new BinaryGrainStateSerializer(binary, json);
        });
}
