namespace Delineate.Api.Tests.Hostile;

/// <summary>An embedded gateway in <c>apikey</c> mode with keys of exactly and over the minimum length (24).</summary>
public sealed class ApiKeyGatewayFixture : IAsyncLifetime
{
    /// <summary>Exactly 24 characters.</summary>
    public const string ShortestKey = "k24-0123456789abcdefghij";
    public const string LongKey = "a-much-longer-key-0123456789abcdefghijklmnop";

    private GatewayHost? _host;

    public GatewayHost Host => _host ?? throw new InvalidOperationException("Not started.");

    public HttpClient WithKey(string? key)
    {
        var client = Host.Client();
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-API-Key", key);
        }

        return client;
    }

    public async Task InitializeAsync() => _host = await GatewayHost.StartEmbeddedAsync("hostile-apikey", new Dictionary<string, string?>
    {
        ["Auth__Mode"] = "apikey",
        ["Auth__ApiKeys"] = $"{ShortestKey}=shortest;{LongKey}=long",
    });

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }
}
