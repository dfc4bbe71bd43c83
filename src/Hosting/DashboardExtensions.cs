using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Orleans.Dashboard;

namespace Delineate.Hosting;

/// <summary>
/// The Orleans Dashboard at <c>/dashboard</c>. It lists every job id and shows owner names in its
/// log view, so it is served only behind HTTP basic auth (<c>DASHBOARD_USERNAME</c> and
/// <c>DASHBOARD_PASSWORD</c>), on silos and gateways alike. Without them it is not served, with one
/// warning at start, and its services are not added (<see cref="IsConfigured"/>); only an embedded gateway bound to loopback may serve it openly, and only with
/// <c>DASHBOARD_ANONYMOUS=true</c>.
/// </summary>
public static class DashboardExtensions
{
    public const string Path = "/dashboard";

    /// <param name="mode">The host's mode: the anonymous opt-in is refused unless embedded.</param>
    /// <exception cref="SettingsException">A dashboard setting that cannot be honoured.</exception>
    public static WebApplication MapDelineateDashboard(this WebApplication app, DelineateMode mode)
    {
        var user = app.Configuration["DASHBOARD_USERNAME"];
        var password = app.Configuration["DASHBOARD_PASSWORD"];
        var anonymous = ReadAnonymous(app.Configuration);
        if (string.IsNullOrEmpty(user) != string.IsNullOrEmpty(password))
        {
            throw new SettingsException("DASHBOARD_USERNAME and DASHBOARD_PASSWORD must be set together (only one is set).");
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
            app.MapOrleansDashboard(routePrefix: Path);
            return app;
        }
        if (!anonymous)
        {
            app.Logger.LogWarning("The Orleans Dashboard is not served at {Path}: set DASHBOARD_USERNAME and DASHBOARD_PASSWORD", Path);
            return app;
        }
        var exposed = NonLoopbackUrl(app.Configuration);
        if (mode != DelineateMode.Embedded || exposed is not null)
        {
            var where = mode != DelineateMode.Embedded ? $"in {mode.ToString().ToLowerInvariant()} mode" : $"on {exposed}";
            throw new SettingsException($"DASHBOARD_ANONYMOUS=true is allowed only for an embedded gateway bound to loopback (this host runs {where}); set DASHBOARD_USERNAME and DASHBOARD_PASSWORD instead.");
        }
        app.Logger.LogWarning("The Orleans Dashboard is served at {Path} without credentials (DASHBOARD_ANONYMOUS=true, loopback only)", Path);
        app.MapOrleansDashboard(routePrefix: Path);
        return app;
    }

    /// <summary>
    /// Whether this host is configured to serve the dashboard (credentials, or the anonymous opt-in).
    /// Silos and gateways add the dashboard's services only then: they keep a second metrics pipeline
    /// that reads every Orleans instrument each second, a log sink, and a filter on every grain call.
    /// </summary>
    public static bool IsConfigured(IConfiguration config) =>
        (!string.IsNullOrEmpty(config["DASHBOARD_USERNAME"]) && !string.IsNullOrEmpty(config["DASHBOARD_PASSWORD"])) || ReadAnonymous(config);

    private static bool ReadAnonymous(IConfiguration config)
    {
        var value = config["DASHBOARD_ANONYMOUS"];
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }
        return bool.TryParse(value, out var flag)
            ? flag
            : throw new SettingsException($"DASHBOARD_ANONYMOUS must be 'true' or 'false' (was '{value}').");
    }

    /// <summary>
    /// The first URL this host listens on that is not loopback, or null. Read from <c>urls</c>
    /// (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>PORT</c>/<c>HOST</c>), <c>HTTP_PORTS</c>/<c>HTTPS_PORTS</c>
    /// (every interface) and <c>Kestrel:Endpoints</c>.
    /// </summary>
    private static string? NonLoopbackUrl(IConfiguration config)
    {
        foreach (var portsKey in new[] { "http_ports", "https_ports" })
        {
            if (string.IsNullOrWhiteSpace(config["urls"]) && !string.IsNullOrWhiteSpace(config[portsKey]))
            {
                return $"*:{config[portsKey]}";
            }
        }
        var urls = (config["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Concat(config.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"] ?? ""))
            .Where(url => url.Length > 0);
        return urls.FirstOrDefault(url => !IsLoopback(url));
    }

    private static bool IsLoopback(string url)
    {
        try
        {
            var host = BindingAddress.Parse(url).Host;
            return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
        }
        catch (FormatException)
        {
            return false;
        }
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
