namespace Delineate.Api.Tests.Support;

/// <summary>
/// An embedded gateway whose files each take 4 to 5 seconds, longer than its
/// <c>REQUEST_TIMEOUT_MS</c> (<see cref="RequestTimeoutMs"/>): jobs with long quiet stretches.
/// </summary>
public sealed class SlowFilesGatewayFixture : IAsyncLifetime
{
    public const int RequestTimeoutMs = 1500;

    private GatewayHost? _host;

    public GatewayHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _host = await GatewayHost.StartEmbeddedAsync("api-slow-files", new Dictionary<string, string?>
        {
            ["DOWNLOAD_DELAY_ENABLED"] = "true",
            ["DOWNLOAD_DELAY_MIN_MS"] = "4000",
            ["DOWNLOAD_DELAY_MAX_MS"] = "5000",
            ["REQUEST_TIMEOUT_MS"] = RequestTimeoutMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        // A first job warms the grains up, so that timed requests measure the gateway and not start-up.
        var client = _host.Client(TestData.NewOwner("warm-up"));
        var jobId = await client.StartJobAsync([70000]);
        await client.StatusAsync(jobId);
        using var cancel = await client.DeleteAsync($"/v1/download/{jobId}");
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
