namespace Delineate.Api.Tests.Support;

/// <summary>Environment variables for the gateway processes these tests start.</summary>
public static class GatewayEnvironment
{
    /// <summary>A rate limit no test reaches unless it means to.</summary>
    public const string UnreachableRateLimit = "1000000";

    /// <summary>Embedded mode with a high rate limit, no API keys and short per-file delays; <paramref name="overrides"/> win.</summary>
    public static Dictionary<string, string?> Embedded(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["RATE_LIMIT_MAX_REQUESTS"] = UnreachableRateLimit,
            ["RATE_LIMIT_WINDOW_MS"] = "60000",
            // Every test client shares 127.0.0.1: the per-address and per-owner abuse limits are raised
            // like the rate limit; the tests of those limits set their own.
            ["MAX_JOBS_PER_ADDRESS_PER_MINUTE"] = UnreachableRateLimit,
            ["MAX_STREAMS_PER_ADDRESS"] = UnreachableRateLimit,
            ["MAX_STREAMS_PER_OWNER"] = UnreachableRateLimit,
            ["Auth__Mode"] = "none",
            ["Auth__ApiKeys"] = null,
            ["CORS_ORIGINS"] = null,
            ["SENTRY_DSN"] = null,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
            ["DOWNLOAD_DELAY_ENABLED"] = "true",
            ["DOWNLOAD_DELAY_MIN_MS"] = "50",
            ["DOWNLOAD_DELAY_MAX_MS"] = "150",
        };
        return environment.With(overrides);
    }
}
