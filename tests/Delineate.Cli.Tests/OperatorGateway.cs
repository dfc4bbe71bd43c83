namespace Delineate.Cli.Tests;

/// <summary>
/// An embedded gateway for the operator commands (<c>retry</c>, <c>purge</c>): its source is S3 behind a
/// <see cref="FaultyS3Proxy"/> (so a file can be made to fail) and callers are told apart by API key.
/// </summary>
public sealed class OperatorGateway : IAsyncLifetime
{
    public const string AliceKey = "cli-operator-alice-key-0001";
    public const string BobKey = "cli-operator-bob-key-000002";

    private TestDirectory? _directory;
    private SeededS3Source? _source;
    private GatewayProcess? _gateway;

    public TestDirectory Directory => _directory ?? throw new InvalidOperationException("Not started.");

    public FaultyS3Proxy Proxy => (_source ?? throw new InvalidOperationException("Not started.")).Proxy;

    public GatewayProcess Gateway => _gateway ?? throw new InvalidOperationException("Not started.");

    public string Server => Gateway.BaseAddress.ToString().TrimEnd('/');

    public string Diagnostics() => Gateway.Process.Tail();

    public async Task InitializeAsync()
    {
        _directory = TestDirectory.Create("cli-operator");
        _source = await SeededS3Source.StartAsync(_directory);
        var environment = _source.Environment();
        foreach (var (key, value) in new Dictionary<string, string?>
        {
            ["EXPORT_DIR"] = _directory.DataFolder("exports"),
            ["JOB_MAX_ATTEMPTS"] = "2",
            ["JOB_RETRY_BASE_DELAY_MS"] = "50",
            ["RATE_LIMIT_MAX_REQUESTS"] = "1000000",
            ["MAX_JOBS_PER_ADDRESS_PER_MINUTE"] = "1000000",
            ["MAX_STREAMS_PER_ADDRESS"] = "1000000",
            ["MAX_STREAMS_PER_OWNER"] = "1000000",
            ["Auth__Mode"] = "apikey",
            ["Auth__ApiKeys"] = $"{AliceKey}=cli-alice;{BobKey}=cli-bob",
            ["SENTRY_DSN"] = null,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
            ["DOWNLOAD_DELAY_ENABLED"] = "true",
            ["DOWNLOAD_DELAY_MIN_MS"] = "100",
            ["DOWNLOAD_DELAY_MAX_MS"] = "300",
        })
        {
            environment[key] = value;
        }
        await SeededS3Source.SeedAsync("70000-70100", environment, _directory);
        _gateway = await GatewayProcess.StartEmbeddedAsync(_directory, environment, "cli-operator-gateway");
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
        if (_source is not null)
        {
            await _source.DisposeAsync();
        }
        _directory?.Dispose();
    }
}
