using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Delineate.Gateway.Progress;

namespace Delineate.Gateway.Hosting;

public static class GatewayApiExtensions
{
    public const string RequestIdHeader = "X-Request-ID";

    /// <summary>JSON shape, problem details with request and trace ids, the progress relay.</summary>
    public static IServiceCollection AddGatewayApi(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        });
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            var http = context.HttpContext;
            context.ProblemDetails.Extensions["requestId"] = http.Items[RequestIdHeader] as string ?? http.TraceIdentifier;
            context.ProblemDetails.Extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier;
        });
        services.AddSingleton<JobEventRelay>();
        return services;
    }

    public static WebApplication UseGatewayApi(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            var requestId = SaneRequestId(context.Request.Headers[RequestIdHeader].ToString()) ?? Guid.NewGuid().ToString();
            context.Items[RequestIdHeader] = requestId;
            context.Response.Headers[RequestIdHeader] = requestId;
            await next(context);
        });
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });
        return app;
    }

    private static string? SaneRequestId(string value) =>
        value.Length is > 0 and <= 128 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? value
            : null;
}
