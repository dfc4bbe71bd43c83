using System.Globalization;
using System.Net;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace Delineate.Hosting;

/// <summary>
/// The cluster and process settings (README, "Configuration"). They shape the host before it is
/// built, so they are read and checked eagerly; a bad one throws <see cref="SettingsException"/>.
/// </summary>
public sealed record HostingSettings
{
    public required DelineateMode Mode { get; init; }
    public required string ClusterId { get; init; }
    public required string ServiceId { get; init; }
    public required int SiloPort { get; init; }
    public required int GatewayPort { get; init; }
    public required IPAddress AdvertisedIp { get; init; }
    public required bool FastFailover { get; init; }
    public required string RedisHost { get; init; }
    public required int RedisPort { get; init; }
    public string? RedisPassword { get; init; }

    public static HostingSettings Load(IConfiguration config, DelineateMode defaultMode)
    {
        var mode = ReadMode(config, defaultMode);
        return new HostingSettings
        {
            Mode = mode,
            ClusterId = ReadName(config, "ORLEANS_CLUSTER_ID"),
            ServiceId = ReadName(config, "ORLEANS_SERVICE_ID"),
            SiloPort = ReadPort(config, "ORLEANS_SILO_PORT", 11111),
            GatewayPort = ReadPort(config, "ORLEANS_GATEWAY_PORT", 30000),
            AdvertisedIp = ReadAddress(config, "ORLEANS_ADVERTISED_IP"),
            FastFailover = ReadBool(config, "ORLEANS_FAST_FAILOVER", false),
            RedisHost = string.IsNullOrWhiteSpace(config["REDIS_HOST"]) ? "localhost" : config["REDIS_HOST"]!.Trim(),
            RedisPort = ReadPort(config, "REDIS_PORT", 6379),
            RedisPassword = string.IsNullOrEmpty(config["REDIS_PASSWORD"]) ? null : config["REDIS_PASSWORD"],
        };
    }

    /// <summary>Options for every Redis connection; <c>AbortOnConnectFail = false</c> lets Redis come up later.</summary>
    public ConfigurationOptions RedisOptions()
    {
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectTimeout = 5_000,
            Password = RedisPassword,
        };
        options.EndPoints.Add(RedisHost, RedisPort);
        return options;
    }

    private static DelineateMode ReadMode(IConfiguration config, DelineateMode defaultMode)
    {
        var value = config["DELINEATE_MODE"];
        if (string.IsNullOrWhiteSpace(value))
        {
            return defaultMode;
        }
        return Enum.TryParse<DelineateMode>(value.Trim(), ignoreCase: true, out var mode) && Enum.IsDefined(mode)
            ? mode
            : throw new SettingsException($"DELINEATE_MODE must be 'embedded' or 'clustered' (was '{value}').");
    }

    private static string ReadName(IConfiguration config, string variable)
    {
        var value = config[variable];
        if (string.IsNullOrWhiteSpace(value))
        {
            return "delineate";
        }
        return value.Length <= 100 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? value
            : throw new SettingsException($"{variable} must be up to 100 letters, digits, '-', '_' or '.' (was '{value}').");
    }

    private static int ReadPort(IConfiguration config, string variable, int fallback)
    {
        var value = config[variable];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }
        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
            ? port
            : throw new SettingsException($"{variable} must be a port number from 1 to 65535 (was '{value}').");
    }

    private static bool ReadBool(IConfiguration config, string variable, bool fallback)
    {
        var value = config[variable];
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }
        return bool.TryParse(value, out var flag)
            ? flag
            : throw new SettingsException($"{variable} must be 'true' or 'false' (was '{value}').");
    }

    private static IPAddress ReadAddress(IConfiguration config, string variable)
    {
        var value = config[variable];
        if (string.IsNullOrWhiteSpace(value))
        {
            return IPAddress.Loopback;
        }
        return IPAddress.TryParse(value, out var address)
            ? address
            : throw new SettingsException($"{variable} must be an IP address (was '{value}').");
    }
}
