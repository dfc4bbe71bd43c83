using System.CommandLine;
using Delineate.Client;

namespace Delineate.Cli;

/// <summary>The options every command takes: where the service is, who is asking, and how to write results.</summary>
public sealed class GlobalOptions
{
    public const string ServerVariable = "DELINEATE_URL";
    public const string ApiKeyVariable = "DELINEATE_API_KEY";
    public const string UserVariable = "DELINEATE_USER";

    public Option<string> Server { get; } = new("--server", "-s")
    {
        Description = $"The gateway's address [env: {ServerVariable}]",
        HelpName = "URL",
        Recursive = true,
        DefaultValueFactory = _ => FromEnvironment(ServerVariable) ?? DelineateClient.DefaultServer,
    };

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = $"API key, sent as X-API-Key (gateways with Auth__Mode=apikey) [env: {ApiKeyVariable}]",
        HelpName = "KEY",
        Recursive = true,
        DefaultValueFactory = _ => FromEnvironment(ApiKeyVariable),
    };

    public Option<string?> User { get; } = new("--user")
    {
        Description = $"User id, sent as X-User-Id (gateways with Auth__Mode=none; default anonymous) [env: {UserVariable}]",
        HelpName = "ID",
        Recursive = true,
        DefaultValueFactory = _ => FromEnvironment(UserVariable),
    };

    public Option<bool> Json { get; } = new("--json")
    {
        Description = "Machine output: JSON on stdout (one object per line while following a job)",
        Recursive = true,
    };

    public void AddTo(RootCommand root)
    {
        root.Add(Server);
        root.Add(ApiKey);
        root.Add(User);
        root.Add(Json);
    }

    /// <summary>The client the options describe; a usage error when the server address is not an http(s) URL.</summary>
    public DelineateClient CreateClient(ParseResult parse)
    {
        var server = parse.GetValue(Server) ?? DelineateClient.DefaultServer;
        if (!Uri.TryCreate(server, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"--server (or {ServerVariable}): '{server}' is not an http:// or https:// URL.");
        }
        return new DelineateClient(new DelineateClientOptions
        {
            BaseAddress = address,
            ApiKey = parse.GetValue(ApiKey),
            UserId = parse.GetValue(User),
        });
    }

    public OutputMode ModeOf(ParseResult parse) =>
        parse.GetValue(Json) ? OutputMode.Json : Console.IsOutputRedirected ? OutputMode.Plain : OutputMode.Interactive;

    private static string? FromEnvironment(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
