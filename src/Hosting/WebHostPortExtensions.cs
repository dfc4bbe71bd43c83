using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using System.Globalization;

namespace Delineate.Hosting;

public static class WebHostPortExtensions
{
    /// <summary>
    /// Listens on <c>PORT</c> (the old service's variable) at <c>HOST</c> (default localhost; 0.0.0.0 in
    /// containers) unless <c>--urls</c> or <c>ASPNETCORE_URLS</c> says otherwise.
    /// </summary>
    public static WebApplicationBuilder UsePortSetting(this WebApplicationBuilder builder, int defaultPort)
    {
        var config = builder.Configuration;
        if (!string.IsNullOrEmpty(config["urls"]) || !string.IsNullOrEmpty(config["ASPNETCORE_URLS"]))
        {
            return builder;
        }
        var portText = config["PORT"];
        var port = defaultPort;
        if (!string.IsNullOrWhiteSpace(portText)
            && !(int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535))
        {
            throw new SettingsException($"PORT must be a port number from 1 to 65535 (was '{portText}').");
        }
        var host = string.IsNullOrWhiteSpace(config["HOST"]) ? "localhost" : config["HOST"];
        builder.WebHost.UseUrls($"http://{host}:{port}");
        return builder;
    }
}
