using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Delineate.Grains.Intake;
using Delineate.Grains.Options;
using Delineate.Hosting;

namespace Delineate.Gateway.Hosting;

/// <summary>The gateway's own settings: request limits, CORS, ownership.</summary>
public sealed class GatewayOptions
{
    public const string NoAuth = "none";
    public const string ApiKeyAuth = "apikey";

    /// <summary>Shorter keys can be guessed; 24 characters of a random key are ~140 bits.</summary>
    public const int MinApiKeyLength = 24;

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

    /// <summary>Unfinished jobs in the whole cluster, checked in the same store step as the per-owner cap.</summary>
    [ConfigurationKeyName("MAX_ACTIVE_JOBS")]
    public int MaxActiveJobs { get; set; } = 100_000;

    /// <summary>Jobs one client address may create per minute in <c>Auth:Mode</c> none (where X-User-Id is free to change).</summary>
    [ConfigurationKeyName("MAX_JOBS_PER_ADDRESS_PER_MINUTE")]
    public int MaxJobsPerAddressPerMinute { get; set; } = 600;

    /// <summary>Concurrent WebSocket and SSE progress streams per owner, on this gateway.</summary>
    [ConfigurationKeyName("MAX_STREAMS_PER_OWNER")]
    public int MaxStreamsPerOwner { get; set; } = 100;

    /// <summary>Concurrent WebSocket and SSE progress streams per client address, on this gateway.</summary>
    [ConfigurationKeyName("MAX_STREAMS_PER_ADDRESS")]
    public int MaxStreamsPerAddress { get; set; } = 200;

    /// <summary>How long one write to a progress stream may take before the client is dropped as stuck.</summary>
    [ConfigurationKeyName("STREAM_SEND_TIMEOUT_MS")]
    public int StreamSendTimeoutMs { get; set; } = 10_000;

    /// <summary><c>Auth:Mode</c>: <c>none</c> (owner from X-User-Id) or <c>apikey</c>.</summary>
    [ConfigurationKeyName("Auth:Mode")]
    public string AuthMode { get; set; } = NoAuth;

    /// <summary><c>Auth:ApiKeys</c>: <c>key=owner</c> pairs separated by <c>;</c> or <c>,</c>.</summary>
    [ConfigurationKeyName("Auth:ApiKeys")]
    public string? ApiKeys { get; set; }

    /// <summary><c>ALLOW_ANONYMOUS</c>: a clustered gateway in <c>none</c> mode starts only when this is true.</summary>
    [ConfigurationKeyName("ALLOW_ANONYMOUS")]
    public bool AllowAnonymous { get; set; }

    /// <summary><c>SENTRY_TEST_ENABLED</c>: whether <c>?sentry_test=true</c> on the check call raises a test error.</summary>
    [ConfigurationKeyName("SENTRY_TEST_ENABLED")]
    public bool SentryTestEnabled { get; set; }

    /// <summary>
    /// <c>TRUSTED_PROXIES</c>: comma-separated addresses and CIDR networks whose <c>X-Forwarded-For</c>
    /// and <c>X-Forwarded-Proto</c> are believed. Empty: none (not even loopback).
    /// </summary>
    [ConfigurationKeyName("TRUSTED_PROXIES")]
    public string? TrustedProxies { get; set; }

    public TimeSpan RequestTimeout => TimeSpan.FromMilliseconds(RequestTimeoutMs);
    public TimeSpan RateLimitWindow => TimeSpan.FromMilliseconds(RateLimitWindowMs);
    public TimeSpan StreamSendTimeout => TimeSpan.FromMilliseconds(StreamSendTimeoutMs);
    public AdmissionLimits AdmissionLimits => new(MaxActiveJobsPerOwner, MaxActiveJobs);
    public bool RequiresApiKey => string.Equals(AuthMode.Trim(), ApiKeyAuth, StringComparison.OrdinalIgnoreCase);

    public IReadOnlyDictionary<string, string> ParseApiKeys() =>
        (ApiKeys ?? "")
            .Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2, StringSplitOptions.TrimEntries))
            .Where(parts => parts.Length == 2 && parts[0].Length > 0 && parts[1].Length > 0)
            .ToDictionary(parts => parts[0], parts => parts[1], StringComparer.Ordinal);

    public string[] ParseCorsOrigins() =>
        CorsOrigins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>True when every origin is allowed (<c>CORS_ORIGINS=*</c>, the default).</summary>
    public bool AllowsAnyOrigin => ParseCorsOrigins() is var origins && (origins.Length == 0 || origins.Contains("*"));

    /// <summary>SHA-256 of each configured key with its owner: keys are compared over their hashes, in constant time.</summary>
    public IReadOnlyList<(byte[] KeyHash, string Owner)> HashApiKeys() =>
        ParseApiKeys().Select(pair => (SHA256.HashData(Encoding.UTF8.GetBytes(pair.Key)), pair.Value)).ToList();

    /// <summary>The trusted proxies: single addresses and networks; the entries that parse as neither.</summary>
    public (List<IPAddress> Proxies, List<System.Net.IPNetwork> Networks, List<string> Bad) ParseTrustedProxies()
    {
        var proxies = new List<IPAddress>();
        var networks = new List<System.Net.IPNetwork>();
        var bad = new List<string>();
        foreach (var entry in (TrustedProxies ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (entry.Contains('/'))
            {
                if (System.Net.IPNetwork.TryParse(entry, out var network))
                {
                    networks.Add(network);
                }
                else
                {
                    bad.Add(entry);
                }
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                proxies.Add(address);
            }
            else
            {
                bad.Add(entry);
            }
        }
        return (proxies, networks, bad);
    }
}

public sealed class GatewayOptionsValidator(HostingSettings hosting) : IValidateOptions<GatewayOptions>
{
    public ValidateOptionsResult Validate(string? name, GatewayOptions o)
    {
        var errors = new SettingErrors();
        errors.Range("REQUEST_TIMEOUT_MS", o.RequestTimeoutMs, 100, 600_000);
        errors.Range("RATE_LIMIT_WINDOW_MS", o.RateLimitWindowMs, 100, 86_400_000);
        errors.Range("RATE_LIMIT_MAX_REQUESTS", o.RateLimitMaxRequests, 1, 100_000_000);
        errors.Range("MAX_ACTIVE_JOBS_PER_OWNER", o.MaxActiveJobsPerOwner, 1, 1_000_000);
        errors.Range("MAX_ACTIVE_JOBS", o.MaxActiveJobs, 1, 100_000_000);
        errors.Range("MAX_JOBS_PER_ADDRESS_PER_MINUTE", o.MaxJobsPerAddressPerMinute, 1, 100_000_000);
        errors.Range("MAX_STREAMS_PER_OWNER", o.MaxStreamsPerOwner, 1, 1_000_000);
        errors.Range("MAX_STREAMS_PER_ADDRESS", o.MaxStreamsPerAddress, 1, 1_000_000);
        errors.Range("STREAM_SEND_TIMEOUT_MS", o.StreamSendTimeoutMs, 100, 600_000);
        if (!o.RequiresApiKey && !string.Equals(o.AuthMode.Trim(), GatewayOptions.NoAuth, StringComparison.OrdinalIgnoreCase))
        {
            errors.Add($"Auth:Mode (Auth__Mode) must be '{GatewayOptions.NoAuth}' or '{GatewayOptions.ApiKeyAuth}' (was '{o.AuthMode}').");
        }
        if (o.RequiresApiKey && o.ParseApiKeys().Count == 0)
        {
            errors.Add("Auth:ApiKeys (Auth__ApiKeys) must list key=owner pairs when Auth:Mode is apikey.");
        }
        if (o.RequiresApiKey && o.ParseApiKeys().Keys.FirstOrDefault(k => k.Length < GatewayOptions.MinApiKeyLength) is { } shortKey)
        {
            errors.Add($"Auth:ApiKeys (Auth__ApiKeys) keys must be at least {GatewayOptions.MinApiKeyLength} characters (one has {shortKey.Length}).");
        }
        if (!o.RequiresApiKey && hosting.Mode == DelineateMode.Clustered && !o.AllowAnonymous)
        {
            errors.Add("ALLOW_ANONYMOUS must be true for a clustered gateway in Auth:Mode none (anyone can create jobs); or set Auth__Mode=apikey.");
        }
        if (o.ParseTrustedProxies().Bad is { Count: > 0 } badProxies)
        {
            errors.Add($"TRUSTED_PROXIES must be comma-separated IP addresses or CIDR networks (bad: '{string.Join("', '", badProxies)}').");
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
