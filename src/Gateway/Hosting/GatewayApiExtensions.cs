using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Delineate.Gateway.Jobs;
using Delineate.Gateway.Owners;
using Delineate.Gateway.Progress;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Scalar.AspNetCore;
using Serilog;

namespace Delineate.Gateway.Hosting;

public static class GatewayApiExtensions
{
    public const string RequestIdHeader = "X-Request-ID";

    /// <summary>JSON shape, problem details, ownership, rate limits, CORS, OpenAPI, the progress relay.</summary>
    public static IServiceCollection AddGatewayApi(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<GatewayOptions>().Bind(config).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>();
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
            if (context.Exception is not null && context.ProblemDetails.Status >= 500)
            {
                // Never an exception's text to a client.
                context.ProblemDetails.Detail = "An unexpected error occurred; quote the requestId when reporting it.";
            }
        });
        services.Configure<RouteOptions>(o => o.SetParameterPolicy<JobIdRouteConstraint>(JobIdRouteConstraint.Name));
        // Client addresses (rate limits, logs) from X-Forwarded-For only when the peer is a listed proxy.
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<GatewayOptions>>((o, gateway) =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The defaults trust loopback; only TRUSTED_PROXIES is trusted.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            var (proxies, networks, _) = gateway.Value.ParseTrustedProxies();
            proxies.ForEach(o.KnownProxies.Add);
            networks.ForEach(o.KnownIPNetworks.Add);
            // Walk back through every trusted hop, stopping at the first address that is not trusted.
            o.ForwardLimit = null;
        });
        services.AddSingleton<Owner>();
        services.AddSingleton<Owner.Filter>();
        services.AddSingleton<JobEventRelay>();
        services.AddSingleton<JobEventHub>();
        services.AddSingleton<JobStatusPoller>();
        services.AddSingleton<StreamLimiter>();
        services.AddSingleton<JobCreationLimiter>();
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<GatewayRateLimiter>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<GatewayRateLimiter>((o, limiter) =>
        {
            o.GlobalLimiter = limiter.Limiter;
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = (context, _) => RejectAsync(context, limiter);
        });
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<GatewayOptions>>((o, gateway) => o.AddDefaultPolicy(policy =>
            {
                var origins = gateway.Value.ParseCorsOrigins();
                if (origins.Length == 0 || origins.Contains("*"))
                {
                    policy.AllowAnyOrigin();
                }
                else
                {
                    policy.WithOrigins(origins);
                }
                policy.AllowAnyHeader().AllowAnyMethod()
                    .WithExposedHeaders(RequestIdHeader, "Location", "Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset");
            }));
        // The API, not the Orleans Dashboard's internal routes.
        services.AddOpenApi(o =>
        {
            o.ShouldInclude = d => !(d.RelativePath ?? "").StartsWith("dashboard", StringComparison.OrdinalIgnoreCase);
            o.AddDocumentTransformer<ApiKeySecurityTransformer>();
            o.AddDocumentTransformer<WebhookDocumentTransformer>();
        });
        return services;
    }

    public static WebApplication UseGatewayApi(this WebApplication app)
    {
        var limiter = app.Services.GetRequiredService<GatewayRateLimiter>();
        var anyOrigin = app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.AllowsAnyOrigin;
        app.UseForwardedHeaders();
        app.Use(async (context, next) =>
        {
            var requestId = SaneRequestId(context.Request.Headers[RequestIdHeader].ToString()) ?? Guid.NewGuid().ToString();
            context.Items[RequestIdHeader] = requestId;
            // Set when the response starts, so error handlers that clear headers cannot drop them.
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers[RequestIdHeader] = requestId;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers.StrictTransportSecurity = "max-age=31536000; includeSubDomains";
                headers["Referrer-Policy"] = "no-referrer";
                if (!context.Request.Path.StartsWithSegments("/docs"))
                {
                    headers.ContentSecurityPolicy = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
                }
                // As the old service: with CORS_ORIGINS=* every response says so, with or without Origin.
                if (anyOrigin && !headers.ContainsKey(HeaderNames.AccessControlAllowOrigin))
                {
                    headers.AccessControlAllowOrigin = "*";
                }
                if (context.Response.StatusCode != StatusCodes.Status429TooManyRequests)
                {
                    limiter.WriteHeaders(context);
                }
                return Task.CompletedTask;
            });
            Sentry.SentrySdk.ConfigureScope(scope => scope.SetTag("request_id", requestId));
            using (Serilog.Context.LogContext.PushProperty("request_id", requestId))
            {
                await next(context);
            }
        });
        // Errors at Error, refusals at Information, successes at Debug: no Information line per accept.
        app.UseSerilogRequestLogging(o => o.GetLevel = (context, _, error) =>
            error is not null || context.Response.StatusCode >= 500 ? Serilog.Events.LogEventLevel.Error
            : GatewayRateLimiter.IsExempt(context) ? Serilog.Events.LogEventLevel.Verbose
            : context.Response.StatusCode >= 400 ? Serilog.Events.LogEventLevel.Information
            : Serilog.Events.LogEventLevel.Debug);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseCors();
        app.UseRateLimiter();
        app.Use((context, next) =>
        {
            limiter.OnPermitted(context);
            return next(context);
        });
        // The progress page: static files under wwwroot/ui, served at /ui/. Read from beside the
        // assembly (build and publish both copy wwwroot there), whatever the working directory.
        var builtWebRoot = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        var webRoot = Directory.Exists(builtWebRoot) ? new PhysicalFileProvider(builtWebRoot) : app.Environment.WebRootFileProvider;
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = webRoot });
        app.UseStaticFiles(new StaticFileOptions { FileProvider = webRoot });
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.FromSeconds(15) });
        app.MapOpenApi();
        app.MapScalarApiReference("/docs", o => o.WithTitle("Delineate API").WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        app.MapGet("/", () => TypedResults.Ok(new RootResponse("Delineate download service", "/docs", "/ui/")))
            .WithTags("service")
            .WithSummary("Where the docs and the progress page are");
        return app;
    }

    private static async ValueTask RejectAsync(OnRejectedContext rejected, GatewayRateLimiter limiter)
    {
        var context = rejected.HttpContext;
        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait)
            ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))
            : limiter.SecondsToReset(context);
        limiter.WriteHeaders(context);
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status429TooManyRequests,
                Title = "Too many requests",
                Detail = $"Rate limit exceeded; retry in {retryAfter} s.",
            },
        });
    }

    private static string? SaneRequestId(string value) =>
        value.Length is > 0 and <= 128 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':')
            ? value
            : null;
}
