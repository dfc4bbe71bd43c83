namespace Delineate.Client;

/// <summary>Where the service is and who is asking.</summary>
public sealed record DelineateClientOptions
{
    /// <summary>The gateway's address (a local <c>dotnet run --project src/Gateway</c> listens on port 3000).</summary>
    public Uri BaseAddress { get; init; } = new(DelineateClient.DefaultServer);

    /// <summary>Sent as <c>X-API-Key</c> (the gateway's <c>Auth__Mode=apikey</c>).</summary>
    public string? ApiKey { get; init; }

    /// <summary>Sent as <c>X-User-Id</c> (the gateway's <c>Auth__Mode=none</c>: the owner of the jobs; absent is <c>anonymous</c>).</summary>
    public string? UserId { get; init; }

    /// <summary>How long one API call (not a progress stream, not an archive's body) may take.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
