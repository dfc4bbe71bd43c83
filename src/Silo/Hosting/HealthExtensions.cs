using System.Text.Json;
using Delineate.Grains.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Delineate.Silo.Hosting;

/// <summary>
/// <c>/health</c> (every check), <c>/health/live</c> (the process answers) and <c>/health/ready</c>
/// (dependencies answer), as <c>{"status":"healthy","checks":{"storage":"ok"}}</c>, 200 or 503.
/// </summary>
public static class HealthExtensions
{
    public const string ReadyTag = "ready";

    public static IHealthChecksBuilder AddDelineateHealthChecks(this IServiceCollection services) =>
        services.AddHealthChecks()
            .AddCheck<StorageHealthCheck>("storage", tags: [ReadyTag]);

    public static IEndpointRouteBuilder MapDelineateHealth(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks("/health", Options(_ => true));
        endpoints.MapHealthChecks("/health/live", Options(_ => false));
        endpoints.MapHealthChecks("/health/ready", Options(check => check.Tags.Contains(ReadyTag)));
        return endpoints;
    }

    private static HealthCheckOptions Options(Func<HealthCheckRegistration, bool> predicate) => new()
    {
        Predicate = predicate,
        ResponseWriter = WriteAsync,
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status200OK,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
    };

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status == HealthStatus.Unhealthy ? "unhealthy" : "healthy",
            checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status == HealthStatus.Unhealthy ? "error" : "ok"),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

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
