using Microsoft.Extensions.Options;
using Delineate.Grains.Options;

namespace Delineate.Gateway.Hosting;

/// <summary>The gateway's own settings: request limits, CORS, ownership.</summary>
public sealed class GatewayOptions
{
    public const string NoAuth = "none";
    public const string ApiKeyAuth = "apikey";

    [ConfigurationKeyName("REQUEST_TIMEOUT_MS")]
    public int RequestTimeoutMs { get; set; } = 30_000;

    [ConfigurationKeyName("RATE_LIMIT_WINDOW_MS")]
    public int RateLimitWindowMs { get; set; } = 60_000;

    [ConfigurationKeyName("RATE_LIMIT_MAX_REQUESTS")]
    public int RateLimitMaxRequests { get; set; } = 100;

    /// <summary>Comma-separated origins, or <c>*</c>.</summary>
    [ConfigurationKeyName("CORS_ORIGINS")]
    public string CorsOrigins { get; set; } = "*";

    [ConfigurationKeyName("MAX_ACTIVE_JOBS_PER_OWNER")]
    public int MaxActiveJobsPerOwner { get; set; } = 100;

    /// <summary><c>Auth:Mode</c>: <c>none</c> (owner from X-User-Id) or <c>apikey</c>.</summary>
    [ConfigurationKeyName("Auth:Mode")]
    public string AuthMode { get; set; } = NoAuth;

    /// <summary><c>Auth:ApiKeys</c>: <c>key=owner</c> pairs separated by <c>;</c> or <c>,</c>.</summary>
    [ConfigurationKeyName("Auth:ApiKeys")]
    public string? ApiKeys { get; set; }

    public TimeSpan RequestTimeout => TimeSpan.FromMilliseconds(RequestTimeoutMs);
    public TimeSpan RateLimitWindow => TimeSpan.FromMilliseconds(RateLimitWindowMs);
    public bool RequiresApiKey => string.Equals(AuthMode.Trim(), ApiKeyAuth, StringComparison.OrdinalIgnoreCase);

    public IReadOnlyDictionary<string, string> ParseApiKeys() =>
        (ApiKeys ?? "")
            .Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(parts => parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0)
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);

    public string[] ParseCorsOrigins() =>
        CorsOrigins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions o)
    {
        var errors = new SettingErrors();
        errors.Range("REQUEST_TIMEOUT_MS", o.RequestTimeoutMs, 100, 600_000);
        errors.Range("RATE_LIMIT_WINDOW_MS", o.RateLimitWindowMs, 100, 86_400_000);
        errors.Range("RATE_LIMIT_MAX_REQUESTS", o.RateLimitMaxRequests, 1, 100_000_000);
        errors.Range("MAX_ACTIVE_JOBS_PER_OWNER", o.MaxActiveJobsPerOwner, 1, 1_000_000);
        if (!o.RequiresApiKey && !string.Equals(o.AuthMode.Trim(), GatewayOptions.NoAuth, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"Auth:Mode (Auth__Mode) must be '{GatewayOptions.NoAuth}' or '{GatewayOptions.ApiKeyAuth}' (was '{o.AuthMode}').");
        }
        if (o.RequiresApiKey && o.ParseApiKeys().Count == 0)
        {
            errors.Add("Auth:ApiKeys (Auth__ApiKeys) must list key=owner pairs when Auth:Mode is apikey.");
        }
        foreach (var origin in o.ParseCorsOrigins())
        {
            if (origin != "*" && !Uri.TryCreate(origin, UriKind.Absolute, out _))
            {
                errors.Add($"CORS_ORIGINS must be '*' or comma-separated absolute origins (bad: '{origin}').");
            }
        }
        return errors.ToResult();
    }
}
