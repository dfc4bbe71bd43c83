namespace Delineate.Drills.Tests.Cluster;

/// <summary>The shape of a drill cluster and the job settings every silo and gateway gets.</summary>
public sealed record DrillClusterOptions
{
    public int Silos { get; init; } = 3;
    public int Gateways { get; init; } = 2;

    /// <summary>Source ids written into S3 before the run (only multiples of 7 exist).</summary>
    public int SeedFrom { get; init; } = 70_000;
    public int SeedTo { get; init; } = 77_000;

    public int JobConcurrency { get; init; } = 2;
    public int MaxAttempts { get; init; } = 4;
    public int RetryBaseDelayMs { get; init; } = 500;
    public int TimeoutMs { get; init; } = 150_000;
    public int DelayMinMs { get; init; } = 1_500;
    public int DelayMaxMs { get; init; } = 3_500;
    public int TtlSeconds { get; init; } = 3_600;

    /// <summary>Silos and gateways reach S3 through a <see cref="FaultyS3Proxy"/> (for precise S3 faults).</summary>
    public bool S3Proxy { get; init; }

    /// <summary>More variables for every process (or overrides of the above).</summary>
    public IReadOnlyDictionary<string, string?> Extra { get; init; } = new Dictionary<string, string?>();

    public object Describe() => new
    {
        silos = Silos,
        gateways = Gateways,
        seed = $"{SeedFrom}-{SeedTo}",
        JOB_CONCURRENCY = JobConcurrency,
        JOB_MAX_ATTEMPTS = MaxAttempts,
        JOB_RETRY_BASE_DELAY_MS = RetryBaseDelayMs,
        JOB_TIMEOUT_MS = TimeoutMs,
        DOWNLOAD_DELAY_MS = $"{DelayMinMs}-{DelayMaxMs}",
        JOB_TTL_SECONDS = TtlSeconds,
        extra = Extra,
    };
}
