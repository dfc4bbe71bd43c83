using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;

namespace Delineate.Silo.Hosting;

/// <summary>
/// The Orleans Dashboard at <c>/dashboard</c>, behind HTTP basic auth when <c>DASHBOARD_USERNAME</c>
/// and <c>DASHBOARD_PASSWORD</c> are set.
/// </summary>
public static class DashboardExtensions
{
    public const string Path = "/dashboard";

    /// <param name="onlyWithCredentials">
    /// True for a public host (a clustered gateway): without credentials the dashboard is not mapped at
    /// all, since it lists every job id.
    /// </param>
    public static WebApplication MapDelineateDashboard(this WebApplication app, bool onlyWithCredentials = false)
    {
        var user = app.Configuration["DASHBOARD_USERNAME"];
        var password = app.Configuration["DASHBOARD_PASSWORD"];
        if (onlyWithCredentials && (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password)))
        {
            app.Logger.LogWarning("The Orleans Dashboard is not served at {Path}: set DASHBOARD_USERNAME and DASHBOARD_PASSWORD", Path);
            return app;
        }
        if (!string.IsNullOrEmpty(user) && !string.IsNullOrEmpty(password))
        {
            var expected = Encoding.UTF8.GetBytes($"{user}:{password}");
            app.UseWhen(context => context.Request.Path.StartsWithSegments(Path), branch => branch.Use(async (context, next) =>
            {
                if (!IsAuthorized(context.Request.Headers.Authorization.ToString(), expected))
                {
                    context.Response.Headers.WWWAuthenticate = "Basic realm=\"Orleans Dashboard\"";
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                    return;
                }
                await next(context);
            }));
        }
        app.MapOrleansDashboard(routePrefix: Path);
        return app;
    }

    private static bool IsAuthorized(string header, byte[] expected)
    {
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        Span<byte> decoded = stackalloc byte[512];
        return Convert.TryFromBase64String(header[6..].Trim(), decoded, out var length)
            && CryptographicOperations.FixedTimeEquals(decoded[..length], expected);
    }
}
