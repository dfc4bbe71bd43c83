using System.Globalization;
using System.Text.RegularExpressions;

namespace Delineate.Api.Tests.Support;

/// <summary>The gateway's <c>delineate_progress_connections</c> gauge, read from its /metrics.</summary>
public static partial class ProgressConnectionGauge
{
    /// <summary>
    /// Polls /metrics until every series of the gauge (only <paramref name="transport"/>'s when given)
    /// is 0: the gateway holds no progress connection.
    /// </summary>
    public static async Task WaitUntilNoneOpenAsync(GatewayHost host, string what, string? transport = null)
    {
        var metrics = host.Client();
        var text = "";
        await Poll.UntilAsync(
            what,
            TimeSpan.FromSeconds(20),
            async ct =>
            {
                text = await metrics.GetStringAsync("/metrics", ct);
                return Series(text, transport).All(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) == 0);
            },
            () => $"open progress connections: {string.Join(", ", Series(text, transport).Select(m => m.Value))}\n{host.Tail()}",
            TimeSpan.FromMilliseconds(250));
    }

    private static IEnumerable<Match> Series(string metrics, string? transport) =>
        Gauge().Matches(metrics).Where(m => transport is null || m.Value.Contains($"transport=\"{transport}\"", StringComparison.Ordinal));

    [GeneratedRegex(@"^delineate_progress_connections\{[^}]*\} (\d+)", RegexOptions.Multiline)]
    private static partial Regex Gauge();
}
