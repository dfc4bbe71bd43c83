namespace Delineate.EndToEnd.Tests;

/// <summary>One gateway process in embedded mode (co-hosted silo, synthetic catalogue), shared by a test class.</summary>
public sealed class EmbeddedGatewayFixture : IAsyncLifetime
{
    private TestDirectory? _directory;
    private GatewayProcess? _gateway;
    private DownloadApiClient? _api;

    public TestDirectory Directory => _directory ?? throw new InvalidOperationException("Not started.");

    public GatewayProcess Gateway => _gateway ?? throw new InvalidOperationException("Not started.");

    public DownloadApiClient Api => _api ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _directory = TestDirectory.Create("embedded");
        _gateway = await GatewayProcess.StartEmbeddedAsync(
            _directory,
            new Dictionary<string, string?>
            {
                ["DOWNLOAD_DELAY_ENABLED"] = "true",
                ["DOWNLOAD_DELAY_MIN_MS"] = "200",
                ["DOWNLOAD_DELAY_MAX_MS"] = "600",
            });
        _api = new DownloadApiClient(_gateway.BaseAddress, () => Gateway.Process.Tail());
    }

    public async Task DisposeAsync()
    {
        _api?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        _directory?.Dispose();
    }
}
