namespace Delineate.Cli.Tests;

/// <summary>One embedded gateway (its own silo, synthetic catalogue, short per-file delays) shared by a test class.</summary>
public sealed class EmbeddedGateway : IAsyncLifetime
{
    private TestDirectory? _directory;
    private GatewayProcess? _gateway;

    public TestDirectory Directory => _directory ?? throw new InvalidOperationException("Not started.");

    public GatewayProcess Gateway => _gateway ?? throw new InvalidOperationException("Not started.");

    public string Server => Gateway.BaseAddress.ToString().TrimEnd('/');

    public async Task InitializeAsync()
    {
        _directory = TestDirectory.Create("cli-embedded");
        _gateway = await GatewayProcess.StartEmbeddedAsync(_directory, new Dictionary<string, string?>
        {
            ["RATE_LIMIT_MAX_REQUESTS"] = "1000000",
            ["MAX_JOBS_PER_ADDRESS_PER_MINUTE"] = "1000000",
            ["MAX_STREAMS_PER_ADDRESS"] = "1000000",
            ["MAX_STREAMS_PER_OWNER"] = "1000000",
            ["Auth__Mode"] = "none",
            ["Auth__ApiKeys"] = null,
            ["SENTRY_DSN"] = null,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
            ["DOWNLOAD_DELAY_ENABLED"] = "true",
            ["DOWNLOAD_DELAY_MIN_MS"] = "100",
            ["DOWNLOAD_DELAY_MAX_MS"] = "300",
            ["JOB_CONCURRENCY"] = "2",
        });
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
        _directory?.Dispose();
    }
}
