namespace Delineate.Browser.Tests;

/// <summary>
/// One gateway process in embedded mode (co-hosted silo, synthetic catalogue) for the page tests:
/// downloads take 0.2–0.9 s a file, so a job of a few dozen files is still running when a test
/// cancels it; one unfinished job per owner, so the cap's 429 is easy to reach; no request-rate
/// limit to speak of, since every page load is a dozen requests.
/// </summary>
public sealed class PageGatewayFixture : IAsyncLifetime
{
    private TestDirectory? _directory;
    private GatewayProcess? _gateway;

    public TestDirectory Directory => _directory ?? throw new InvalidOperationException("Not started.");

    public GatewayProcess Gateway => _gateway ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _directory = TestDirectory.Create("browser-page");
        _gateway = await GatewayProcess.StartEmbeddedAsync(
            _directory,
            new Dictionary<string, string?>
            {
                ["DOWNLOAD_DELAY_ENABLED"] = "true",
                ["DOWNLOAD_DELAY_MIN_MS"] = "200",
                ["DOWNLOAD_DELAY_MAX_MS"] = "900",
                ["MAX_ACTIVE_JOBS_PER_OWNER"] = "1",
                ["RATE_LIMIT_MAX_REQUESTS"] = "100000",
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
