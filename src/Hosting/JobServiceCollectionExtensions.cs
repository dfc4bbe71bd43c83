using Amazon.S3;
using Delineate.Grains.Intake;
using Delineate.Grains.Jobs;
using Delineate.Grains.Options;
using Delineate.Grains.Resilience;
using Delineate.Grains.Storage;
using Delineate.Grains.Storage.Local;
using Delineate.Grains.Storage.S3;
using Delineate.Grains.Storage.Synthetic;
using Delineate.Grains.Webhooks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Delineate.Hosting;

public static class JobServiceCollectionExtensions
{
    /// <summary>
    /// Job options (validated at start) and the storage adapters for <paramref name="mode"/>:
    /// embedded keeps exports in a local folder; clustered puts them in S3. The file source is
    /// S3 or the synthetic catalogue per <c>FILE_SOURCE</c>.
    /// </summary>
    public static IServiceCollection AddDownloadJobs(this IServiceCollection services, IConfiguration config, DelineateMode mode)
    {
        services.AddOptions<JobOptions>().Bind(config).ValidateOnStart();
        var storage = services.AddOptions<StorageOptions>().Bind(config).ValidateOnStart();
        if (mode == DelineateMode.Clustered)
        {
            storage.Validate(
                o => o.EffectiveFileSource != StorageOptions.SyntheticSource || !string.IsNullOrEmpty(o.BlobSigningKey),
                "BLOB_SIGNING_KEY must be set in clustered mode when FILE_SOURCE is synthetic: every silo and gateway signs and checks per-file links with it.");
        }
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JobOptions>, JobOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddDelineateResilience();
        services.TryAddSingleton<BlobUrlSigner>();
        services.TryAddSingleton<SiloWorkLimiter>();
        services.TryAddSingleton<FileFetcher>();
        services.TryAddSingleton<JobMetrics>();
        services.TryAddSingleton<JobBundler>();
        services.TryAddSingleton<JobRetry>();
        services.TryAddSingleton<JobStateCodec>();
        services.TryAddSingleton<JobIntake>();
        services.TryAddSingleton<RunSlots>();
        services.AddS3Storage();
        services.AddWebhooks(config);
        services.TryAddSingleton<SyntheticFileSource>();
        services.TryAddSingleton<LocalExportStore>();

        services.TryAddSingleton<IFileSource>(sp =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            if (storage.EffectiveFileSource != StorageOptions.S3Source)
            {
                return sp.GetRequiredService<SyntheticFileSource>();
            }
            var s3 = sp.GetRequiredService<S3FileSource>();
            return storage.SourceLookupCacheSeconds == 0
                ? s3
                : new CachingFileSource(s3, TimeSpan.FromSeconds(storage.SourceLookupCacheSeconds), sp.GetRequiredService<TimeProvider>());
        });
        if (mode == DelineateMode.Embedded)
        {
            services.TryAddSingleton<IExportStore>(sp => sp.GetRequiredService<LocalExportStore>());
        }
        else
        {
            services.TryAddSingleton<IExportStore>(sp => sp.GetRequiredService<S3ExportStore>());
        }
        services.AddHostedService<ExportStoreInitializer>();
        return services;
    }

    /// <summary>
    /// The job store: process memory in embedded mode, Redis in clustered mode (one connection,
    /// shared by every batch: StackExchange.Redis pipelines concurrent commands on it).
    /// </summary>
    public static IServiceCollection AddJobStore(this IServiceCollection services, HostingSettings settings)
    {
        if (settings.Mode == DelineateMode.Embedded)
        {
            services.TryAddSingleton<IJobStore>(sp => new InMemoryJobStore(sp.GetRequiredService<TimeProvider>()));
        }
        else
        {
            var redis = settings.RedisOptions();
            services.TryAddSingleton<IJobStore>(_ => new RedisJobStore(
                async () => await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Clone()), settings.ServiceId));
        }
        return services;
    }
}
