namespace Delineate.Api.Tests.Hostile;

/// <summary>Runs a gateway or silo that must refuse to start: exit code 2 and one line naming the setting.</summary>
public static partial class RefusedStart
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Runs <paramref name="dll"/> with <paramref name="environment"/>, listening (were it to start) on
    /// <paramref name="url"/> or a free loopback port; asserts it exits with 2 and prints exactly one
    /// <c>Configuration error:</c> line, which it returns.
    /// </summary>
    public static async Task<string> ConfigurationErrorAsync(
        string name, string dll, IReadOnlyDictionary<string, string?> environment, TestDirectory directory, string? url = null)
    {
        url ??= $"http://127.0.0.1:{FreePorts.Allocate()}";
        await using var process = await ServiceProcess.RunCommandAsync(name, dll, ["--urls", url], environment, directory, ExitTimeout);
        // Each log line starts with the time it was read ("16:27:11.061 ").
        var lines = process.ReadLog().Split('\n')
            .Select(l => TimePrefix().Replace(l.TrimEnd('\r'), ""))
            .Where(l => l.StartsWith("Configuration error:", StringComparison.Ordinal))
            .ToList();
        Assert.True(process.ExitCode == 2, $"{name} should exit with 2 (configuration error), exited with {process.ExitCode}\n{process.Tail()}");
        Assert.True(lines.Count == 1, $"{name} should print one configuration error line, printed {lines.Count}\n{process.Tail()}");
        return lines[0];
    }

    /// <summary>The variables of an embedded gateway (own silo ports) with <paramref name="overrides"/>.</summary>
    public static Dictionary<string, string?> EmbeddedGateway(IReadOnlyDictionary<string, string?> overrides)
    {
        var ports = FreePorts.Allocate(2);
        var environment = GatewayEnvironment.Embedded(overrides);
        environment["DELINEATE_MODE"] = "embedded";
        environment["ORLEANS_SILO_PORT"] = ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["ORLEANS_GATEWAY_PORT"] = ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["ORLEANS_ADVERTISED_IP"] = "127.0.0.1";
        return environment;
    }

    /// <summary>The variables of a silo or clustered gateway of <paramref name="cluster"/> with <paramref name="overrides"/>.</summary>
    public static Dictionary<string, string?> ClusterMember(ClusterHarness cluster, IReadOnlyDictionary<string, string?> overrides, bool gateway)
    {
        var environment = gateway ? GatewayEnvironment.Embedded(cluster.Environment()) : cluster.Environment();
        var ports = FreePorts.Allocate(2);
        environment["ORLEANS_SILO_PORT"] = ports[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["ORLEANS_GATEWAY_PORT"] = ports[1].ToString(System.Globalization.CultureInfo.InvariantCulture);
        environment["ORLEANS_ADVERTISED_IP"] = "127.0.0.1";
        if (gateway)
        {
            environment["DELINEATE_MODE"] = "clustered";
        }

        foreach (var (key, value) in overrides)
        {
            environment[key] = value;
        }

        return environment;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d\d:\d\d:\d\d\.\d{3} ")]
    private static partial System.Text.RegularExpressions.Regex TimePrefix();
}
