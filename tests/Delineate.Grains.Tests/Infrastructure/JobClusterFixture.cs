using Delineate.Grains.Intake;
using Delineate.Grains.Jobs;
using Delineate.Grains.Options;
using Delineate.Grains.Storage;
using Delineate.Grains.Storage.Synthetic;
using Delineate.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Orleans.Hosting;
using Orleans.Storage;
using Orleans.TestingHost;

namespace Delineate.Grains.Tests.Infrastructure;

/// <summary>
/// One in-process silo configured by the product's own <see cref="SiloBuilderExtensions.AddDelineateSilo"/>
/// in embedded mode (memory storage, in-memory reminders, memory streams, local export folder), with
/// the file source wrapped by a <see cref="FaultInjectingFileSource"/>.
/// </summary>
public abstract class JobClusterFixture : IAsyncLifetime
{
    private InProcessTestCluster? _cluster;

    protected JobClusterFixture()
    {
        ExportDirectory = Path.Combine(Path.GetTempPath(), "delineate-grain-tests", Guid.NewGuid().ToString("N"));
        var settings = new Dictionary<string, string?>
        {
            ["DELINEATE_MODE"] = "embedded",
            ["FILE_SOURCE"] = StorageOptions.SyntheticSource,
            ["EXPORT_DIR"] = ExportDirectory,
            ["BLOB_SIGNING_KEY"] = "grain-tests-signing-key-0123456789",
            ["DOWNLOAD_DELAY_ENABLED"] = "false",
            ["JOB_MAX_ATTEMPTS"] = "3",
            ["JOB_RETRY_BASE_DELAY_MS"] = "10",
            ["JOB_CONCURRENCY"] = "2",
            ["ORLEANS_REMINDER_PERIOD_SECONDS"] = "1",
        };
        foreach (var (key, value) in Settings)
        {
            settings[key] = value;
        }
        Configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        Options = Configuration.Get<JobOptions>()!;
    }

    /// <summary>Settings of this cluster on top of the common ones.</summary>
    protected abstract IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>Changes to the silo beyond the product's configuration and the wrapped file source.</summary>
    protected virtual void ConfigureSilo(ISiloBuilder silo)
    {
    }

    public IConfiguration Configuration { get; }

    /// <summary>The job options the silo runs with, bound the same way.</summary>
    public JobOptions Options { get; }

    public string ExportDirectory { get; }

    public FaultInjectingFileSource Source { get; } = new();

    /// <summary>The job storage (the product's own, wrapped).</summary>
    public FaultInjectingGrainStorage Storage { get; } = new();

    /// <summary>The silo's log entries from Delineate's own types.</summary>
    public RecordingLoggerProvider Logs { get; } = new();

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster is not deployed.");

    public IClusterClient Client => Cluster.Client;

    public IDownloadJobGrain Job(Guid jobId) => Client.GetGrain<IDownloadJobGrain>(jobId);

    /// <summary>
    /// Creates the job as the gateway does: the silo's intake stores it as queued and hands it to its
    /// shard, which admits it. Returns the view of the record as the intake stored it (the job may
    /// already be running by the time this returns).
    /// </summary>
    public async Task<JobSnapshot> InitiateAsync(IDownloadJobGrain job, InitiateJobRequest request)
    {
        var jobId = job.GetPrimaryKey();
        var outcome = await SiloService<JobIntake>().AcceptAsync(jobId, request, AdmissionLimits.None);
        Assert.Equal(AcceptStatus.Created, outcome.Status);
        var stored = await SiloService<IJobStore>().ReadAsync(jobId) ?? throw new InvalidOperationException("The job was stored but does not read back.");
        return JobReadModel.Snapshot(jobId, SiloService<JobStateCodec>().Decode(stored.Data), DateTimeOffset.UtcNow, links: null);
    }

    public string ExportPath(Guid jobId) => Path.Combine(ExportDirectory, StorageKeys.Export(jobId));

    public T SiloService<T>() where T : notnull => Cluster.GetSiloServiceProvider().GetRequiredService<T>();

    /// <summary>Writes a job's persisted state directly, as a predecessor activation would have left it.</summary>
    public Task WriteJobStateAsync(Guid jobId, DownloadJobState state) =>
        JobStorage.WriteStateAsync(DownloadJobGrain.StateName, Job(jobId).GetGrainId(), new GrainState<DownloadJobState>(state));

    /// <summary>A job's persisted state; null when there is none.</summary>
    public async Task<DownloadJobState?> ReadJobStateAsync(Guid jobId)
    {
        var state = new GrainState<DownloadJobState>(new DownloadJobState());
        await JobStorage.ReadStateAsync(DownloadJobGrain.StateName, Job(jobId).GetGrainId(), state);
        return state.RecordExists ? state.State : null;
    }

    private IGrainStorage JobStorage =>
        Cluster.GetSiloServiceProvider().GetRequiredKeyedService<IGrainStorage>(DownloadJobGrain.StorageName);

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.Options.ConfigureFileLogging = false;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddDelineateSilo(Configuration, HostingSettings.Load(Configuration, DelineateMode.Embedded));
            // AddDownloadJobs registers the source with TryAdd: replace it, keeping the real one inside.
            silo.Services.RemoveAll<IFileSource>();
            silo.Services.AddSingleton<IFileSource>(sp => Source.Wrap(sp.GetRequiredService<SyntheticFileSource>()));
            // The job storage stays the product's own, wrapped so a test can make its writes fail.
            var jobStorage = silo.Services.Single(d => d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, DownloadJobGrain.StorageName));
            silo.Services.Remove(jobStorage);
            silo.Services.AddKeyedSingleton<IGrainStorage>(DownloadJobGrain.StorageName,
                (sp, key) => Storage.Wrap((IGrainStorage)jobStorage.KeyedImplementationFactory!(sp, key)));
            silo.Services.AddSingleton<ILoggerProvider>(Logs);
            ConfigureSilo(silo);
        });
        builder.ConfigureClient(client => client.AddMemoryStreams(StreamNames.Provider));
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
        if (Directory.Exists(ExportDirectory))
        {
            Directory.Delete(ExportDirectory, recursive: true);
        }
    }
}
