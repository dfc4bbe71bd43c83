using System.Diagnostics;
using Delineate.Grains.Jobs;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Sentry;
using Serilog;
using Serilog.Events;
using Serilog.Templates;

namespace Delineate.Hosting;

/// <summary>
/// Traces, metrics, logs and error reporting, wired once for every host (Silo and Gateway):
/// OpenTelemetry (OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, Prometheus at <c>/metrics</c>),
/// Serilog JSON on stdout with ECS field names, Sentry when <c>SENTRY_DSN</c> is set.
/// </summary>
public static class TelemetryExtensions
{
    /// <summary>
    /// Orleans' application grain-call spans (with activity propagation on). Its "Microsoft.Orleans.Runtime"
    /// source is left out: about a hundred housekeeping spans a second per silo (stream polling, timers).
    /// </summary>
    public static readonly string[] OrleansSources = ["Microsoft.Orleans.Application"];

    /// <summary>One JSON object per line; ECS names where ECS has one, the rest as written.</summary>
    private const string EcsTemplate =
        "{ {'@timestamp': UtcDateTime(@t), 'log.level': @l, message: @m, 'log.logger': SourceContext, " +
        "'service.name': service_name, trace_id: @tr, span_id: @sp, 'error.type': if IsDefined(@x) then TypeOf(@x) else Undefined(), 'error.stack_trace': @x, " +
        "..rest()} }\n";

    public static WebApplicationBuilder AddDelineateTelemetry(this WebApplicationBuilder builder, string serviceName, params string[] extraMeters)
    {
        var config = builder.Configuration;
        // Serilog replaces the logger factory. writeToProviders hands each event on to the providers still
        // registered: after ClearProviders that is only Sentry's (added by UseSentry below), so Error/Fatal
        // log events such as "Job {JobId} failed" reach Sentry, tagged by TagWithTrace.
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog((_, logs) => logs
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Orleans", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Orleans", LogEventLevel.Warning)
            .MinimumLevel.Override("Polly", LogEventLevel.Warning)
            .ReadFrom.Configuration(config)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("service_name", serviceName)
            .WriteTo.Console(new ExpressionTemplate(EcsTemplate)), writeToProviders: true);

        var otlp = !string.IsNullOrWhiteSpace(config["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var sampler = TraceSampling.FromConfiguration(config);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName, serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithTracing(tracing =>
            {
                tracing.SetSampler(sampler)
                    .AddSource(JobTelemetry.Name)
                    .AddAspNetCoreInstrumentation(o => o.Filter = context => !IsInfrastructurePath(context.Request.Path));
                if (otlp)
                {
                    // A span per grain call and per S3/HTTP request is only worth its cost when it goes
                    // somewhere; without an exporter the request and job spans remain, for the trace ids
                    // in log lines and the traceparent a job keeps.
                    tracing.AddSource(OrleansSources)
                        .AddHttpClientInstrumentation()
                        .AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(JobTelemetry.Name)
                    .AddMeter(extraMeters)
                    .AddMeter("Microsoft.Orleans")
                    .AddAspNetCoreInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });

        var dsn = config["SENTRY_DSN"];
        if (!string.IsNullOrWhiteSpace(dsn))
        {
            builder.WebHost.UseSentry(o =>
            {
                o.Dsn = dsn;
                o.SendDefaultPii = false;
                o.MinimumEventLevel = Microsoft.Extensions.Logging.LogLevel.Error;
                o.ServerName = serviceName;
                o.SetBeforeSend(TagWithTrace);
            });
        }
        return builder;
    }

    /// <summary>Maps <c>/metrics</c> (Prometheus text format).</summary>
    public static WebApplication MapDelineateTelemetry(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }

    private static bool IsInfrastructurePath(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics") || path.StartsWithSegments("/dashboard");

    /// <summary>Tags each Sentry event with the trace, so an error leads to its trace and logs.</summary>
    private static SentryEvent TagWithTrace(SentryEvent e, SentryHint hint)
    {
        if (Activity.Current is { } activity)
        {
            e.SetTag("trace_id", activity.TraceId.ToString());
            e.SetTag("span_id", activity.SpanId.ToString());
            if (activity.GetTagItem("job.id") is string jobId)
            {
                e.SetTag("job_id", jobId);
            }
        }
        return e;
    }
}
