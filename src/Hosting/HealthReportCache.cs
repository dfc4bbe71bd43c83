using System.Collections.Concurrent;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Delineate.Hosting;

/// <summary>
/// Health reports shared for <see cref="Lifetime"/>: a flood of <c>/health</c> requests costs one
/// round of dependency checks (S3 HeadBucket, Redis PING, a cluster call) per second, not one per
/// request. Concurrent requests share the round in flight.
/// </summary>
public sealed class HealthReportCache(HealthCheckService checks, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, (long Started, Lazy<Task<HealthReport>> Report)> _reports = new();

    /// <summary>The report of the checks <paramref name="predicate"/> selects, at most <see cref="Lifetime"/> old.</summary>
    public Task<HealthReport> GetAsync(string name, Func<HealthCheckRegistration, bool> predicate)
    {
        var entry = _reports.AddOrUpdate(
            name,
            _ => Start(predicate),
            (_, current) => time.GetElapsedTime(current.Started) < Lifetime ? current : Start(predicate));
        return entry.Report.Value;
    }

    // Not the request's token: the round is shared, and each check has its own timeout.
    private (long, Lazy<Task<HealthReport>>) Start(Func<HealthCheckRegistration, bool> predicate) =>
        (time.GetTimestamp(), new Lazy<Task<HealthReport>>(() => checks.CheckHealthAsync(predicate, CancellationToken.None)));
}
