namespace Delineate.Api.Tests.Support;

/// <summary>
/// One embedded gateway with a rate limit no test reaches, shared by the test classes of the
/// <see cref="SharedGatewayCollection"/>; tests keep apart by using owners (X-User-Id) of their own.
/// </summary>
public sealed class SharedGatewayFixture : IAsyncLifetime
{
    private GatewayHost? _host;

    public GatewayHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync() => _host = await GatewayHost.StartEmbeddedAsync("api-shared");

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
