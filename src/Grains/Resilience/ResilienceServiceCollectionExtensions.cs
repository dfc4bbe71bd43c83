using Delineate.Grains.Intake;
using Delineate.Grains.Jobs;
using Delineate.Grains.Options;
using Delineate.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Polly.Telemetry;
using Polly.Timeout;

namespace Delineate.Grains.Resilience;

/// <summary>
/// The one resilience registry: every retry and timeout of the service, each built once on the
/// container's <see cref="TimeProvider"/> (a test's fake clock drives the delays).
/// </summary>
public static class ResilienceServiceCollectionExtensions
{
    public static IServiceCollection AddDelineateResilience(this IServiceCollection services)
    {
        services.AddResiliencePipeline(ResiliencePipelines.JobIntake, (builder, context) =>
        {
            // An unknown outcome (Redis restarting, a reply lost) is retried: a job already stored answers
            // Created, so a retry never makes a second one. Past the budget the callers get StoreUnavailable.
            UseClock(builder, context.ServiceProvider);
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 12,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(100),
                MaxDelay = TimeSpan.FromSeconds(1),
                ShouldHandle = new PredicateBuilder().Handle<Exception>(RedisErrors.IsTransient),
            });
        });

        services.AddResiliencePipeline(ResiliencePipelines.FileFetch, (builder, context) =>
        {
            UseClock(builder, context.ServiceProvider);
            var options = context.ServiceProvider.GetRequiredService<IOptions<JobOptions>>().Value;
            // Polly refuses MaxRetryAttempts = 0: with JOB_MAX_ATTEMPTS=1 there is no retry strategy at all.
            if (options.MaxAttempts > 1)
            {
                builder.AddRetry(new RetryStrategyOptions
                {
                    MaxRetryAttempts = options.MaxAttempts - 1,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = options.RetryBaseDelay,
                    MaxDelay = TimeSpan.FromSeconds(30),
                    ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is TimeoutRejectedException || TransientErrors.IsTransient(ex)),
                });
            }
            builder.AddTimeout(options.FetchTimeout);
        });

        services.AddResiliencePipeline(ResiliencePipelines.JobStateWrite, (builder, context) =>
        {
            // A storage blip (Redis restarting) is ridden out for about 20 s. A write that lost to
            // another activation (InconsistentStateException) is not retried.
            UseClock(builder, context.ServiceProvider);
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = 8,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(250),
                MaxDelay = TimeSpan.FromSeconds(5),
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not Orleans.Storage.InconsistentStateException),
            });
        });

        services.AddResiliencePipeline(ResiliencePipelines.JobBundle, (builder, context) =>
        {
            UseClock(builder, context.ServiceProvider);
            var maxAttempts = context.ServiceProvider.GetRequiredService<IOptions<JobOptions>>().Value.MaxAttempts;
            var logger = context.ServiceProvider.GetRequiredService<ILogger<JobBundler>>();
            // As for the fetch: with JOB_MAX_ATTEMPTS=1 there is no retry strategy at all.
            if (maxAttempts > 1)
            {
                builder.AddRetry(new RetryStrategyOptions
                {
                    MaxRetryAttempts = maxAttempts - 1,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromSeconds(1),
                    ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } ex
                        && !args.Context.CancellationToken.IsCancellationRequested && TransientErrors.IsTransient(ex)),
                    OnRetry = args =>
                    {
                        logger.LogWarning(args.Outcome.Exception, "Job {JobId} bundle attempt {Attempt} failed; retrying",
                            args.Context.Properties.GetValue(OnGrain.JobIdKey, Guid.Empty), args.AttemptNumber + 1);
                        return default;
                    },
                });
            }
        });

        // The pipelines log their own retries where it matters (the bundle above, the fetcher's
        // outcome); Polly's per-attempt log lines would only repeat them.
        services.Configure<TelemetryOptions>(o => o.LoggerFactory = NullLoggerFactory.Instance);
        return services;
    }

    private static void UseClock(ResiliencePipelineBuilder builder, IServiceProvider services) =>
        builder.TimeProvider = services.GetService<TimeProvider>() ?? TimeProvider.System;
}
