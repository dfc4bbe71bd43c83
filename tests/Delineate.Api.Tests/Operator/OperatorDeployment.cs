using System.Globalization;

namespace Delineate.Api.Tests.Operator;

/// <summary>
/// A deployment for the operator-action tests: s3rver holding the source files (seeded), a
/// <see cref="FaultyS3Proxy"/> in front of it through which the service reads them (so a test can
/// make one file fail), and a gateway. Files take 4 to 4.5 s each, jobs time out after
/// <see cref="JobTimeoutMs"/> (longer than one run, shorter than two) and are kept
/// <see cref="TtlSeconds"/> after they finish: a retried job only completes if its deadline runs
/// from its new start, and only stays if it left the expiry set.
/// </summary>
public abstract class OperatorDeployment : IAsyncLifetime
{
    public const string Bucket = SeededS3Source.Bucket;
    public const int MaxAttempts = 2;
    public const int JobTimeoutMs = 7000;
    public const int TtlSeconds = 5;
    /// <summary>A retried job counts as unfinished again, within this cap.</summary>
    public const int MaxActiveJobsPerOwner = 2;
    public static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(40);

    private readonly HttpClient _direct = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });

    protected TestDirectory Directory { get; private set; } = null!;

    private SeededS3Source _source = null!;

    public S3Server S3 => _source.S3;

    public FaultyS3Proxy Proxy => _source.Proxy;

    public GatewayHost Gateway { get; protected set; } = null!;

    /// <summary>Whether the job's export object still exists where this deployment keeps exports.</summary>
    public abstract Task<bool> ExportExistsAsync(string jobId);

    public virtual string Diagnostics() => Gateway.Tail();

    public async Task InitializeAsync()
    {
        Directory = TestDirectory.Create(Name);
        _source = await SeededS3Source.StartAsync(Directory);
        await StartServicesAsync();
        await SeededS3Source.SeedAsync("70000-70100", Environment(), Directory);
    }

    public async Task DisposeAsync()
    {
        _direct.Dispose();
        await StopServicesAsync();
        await _source.DisposeAsync();
        Directory.Dispose();
    }

    protected abstract string Name { get; }

    protected abstract Task StartServicesAsync();

    protected abstract Task StopServicesAsync();

    /// <summary>What every process of the deployment is started with: the source through the proxy.</summary>
    protected virtual Dictionary<string, string?> Environment() => _source.Environment().With(new Dictionary<string, string?>
    {
        ["JOB_MAX_ATTEMPTS"] = MaxAttempts.ToString(CultureInfo.InvariantCulture),
        ["JOB_RETRY_BASE_DELAY_MS"] = "50",
        ["JOB_TIMEOUT_MS"] = JobTimeoutMs.ToString(CultureInfo.InvariantCulture),
        ["JOB_TTL_SECONDS"] = TtlSeconds.ToString(CultureInfo.InvariantCulture),
        ["ORLEANS_REMINDER_PERIOD_SECONDS"] = "1",
        ["MAX_ACTIVE_JOBS_PER_OWNER"] = MaxActiveJobsPerOwner.ToString(CultureInfo.InvariantCulture),
        ["DOWNLOAD_DELAY_ENABLED"] = "true",
        ["DOWNLOAD_DELAY_MIN_MS"] = "4000",
        ["DOWNLOAD_DELAY_MAX_MS"] = "4500",
        ["RATE_LIMIT_MAX_REQUESTS"] = GatewayEnvironment.UnreachableRateLimit,
        ["MAX_JOBS_PER_ADDRESS_PER_MINUTE"] = GatewayEnvironment.UnreachableRateLimit,
        ["MAX_STREAMS_PER_ADDRESS"] = GatewayEnvironment.UnreachableRateLimit,
        ["MAX_STREAMS_PER_OWNER"] = GatewayEnvironment.UnreachableRateLimit,
        ["SENTRY_DSN"] = null,
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
    });

    /// <summary>An object straight from s3rver (not through the proxy): 200 or 404.</summary>
    protected async Task<bool> ObjectExistsAsync(string key)
    {
        using var response = await _direct.SendAsync(new HttpRequestMessage(HttpMethod.Head, S3.ObjectUri(Bucket, key)));
        return response.IsSuccessStatusCode;
    }

    /// <summary>Fetches a URL the service handed out (a presigned S3 URL or a signed blob URL).</summary>
    public async Task<HttpResponseMessage> GetAsync(Uri url) => await _direct.GetAsync(url);
}
