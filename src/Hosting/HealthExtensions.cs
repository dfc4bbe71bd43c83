using Delineate.Grains.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Delineate.Hosting;

/// <summary>
/// <c>/health</c> (every check), <c>/health/live</c> (the process answers) and <c>/health/ready</c>
/// (dependencies answer), as <c>{"status":"healthy","checks":{"storage":"ok"}}</c>, 200 or 503.
/// A failing check is logged by the health check service.
/// </summary>
public static class HealthExtensions
{
    public const string ReadyTag = "ready";

    /// <summary>Export storage always; Redis in clustered mode.</summary>
    public static IHealthChecksBuilder AddDelineateHealthChecks(this IServiceCollection services, HostingSettings settings)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<HealthReportCache>();
        var checks = services.AddHealthChecks()
            .AddCheck<StorageHealthCheck>("storage", tags: [ReadyTag]);
        if (settings.Mode == DelineateMode.Clustered)
        {
            services.AddSingleton<RedisHealthCheck>();
            checks.AddCheck<RedisHealthCheck>("redis", tags: [ReadyTag]);
        }
        return checks;
    }

    /// <summary>Minimal-API endpoints (so the OpenAPI document describes them) over the health check service.</summary>
    public static IEndpointRouteBuilder MapDelineateHealth(this IEndpointRouteBuilder endpoints)
    {
        var health = endpoints.MapGroup("/health").WithTags("health");
        Map(health, "", _ => true, "Every check (answers are shared for up to a second)");
        Map(health, "/live", _ => false, "The process answers (no dependency is checked)");
        Map(health, "/ready", c => c.Tags.Contains(ReadyTag), "The dependencies answer (answers are shared for up to a second)");
        return endpoints;
    }

    private static void Map(RouteGroupBuilder group, string path, Func<HealthCheckRegistration, bool> predicate, string summary) =>
        group.MapGet(path, (HealthReportCache reports) => CheckAsync(reports, path, predicate))
            .Produces<HealthResponse>(StatusCodes.Status200OK)
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable)
            .WithSummary(summary);

    private static async Task<IResult> CheckAsync(HealthReportCache reports, string name, Func<HealthCheckRegistration, bool> predicate)
    {
        var report = await reports.GetAsync(name, predicate);
        var healthy = report.Status != HealthStatus.Unhealthy;
        var body = new HealthResponse(
            healthy ? "healthy" : "unhealthy",
            report.Entries.ToDictionary(e => e.Key, e => e.Value.Status == HealthStatus.Unhealthy ? "error" : "ok"));
        return TypedResults.Json(body, statusCode: healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary><c>{"status":"healthy","checks":{"storage":"ok"}}</c></summary>
    public sealed record HealthResponse(string Status, IReadOnlyDictionary<string, string> Checks);

    private sealed class StorageHealthCheck(IExportStore exports) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            try
            {
                return await exports.IsHealthyAsync(timeout.Token)
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy("export storage is missing");
            }
            catch (Exception ex)
            {
                return HealthCheckResult.Unhealthy("export storage does not answer", ex);
            }
        }
    }
}
