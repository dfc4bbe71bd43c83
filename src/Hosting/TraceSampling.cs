using System.Globalization;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Trace;

namespace Delineate.Hosting;

/// <summary>
/// The trace sampler named by the standard <c>OTEL_TRACES_SAMPLER</c> / <c>OTEL_TRACES_SAMPLER_ARG</c>
/// variables (default <c>parentbased_always_on</c>, as the OpenTelemetry specification says). A job's
/// spans join the trace of its initiating request, so parent-based sampling keeps a job's spans
/// exactly when its request was sampled.
/// </summary>
public static class TraceSampling
{
    public static Sampler FromConfiguration(IConfiguration config)
    {
        var name = config["OTEL_TRACES_SAMPLER"];
        name = string.IsNullOrWhiteSpace(name) ? "parentbased_always_on" : name.Trim().ToLowerInvariant();
        return name switch
        {
            "always_on" => new AlwaysOnSampler(),
            "always_off" => new AlwaysOffSampler(),
            "traceidratio" => new TraceIdRatioBasedSampler(Ratio(config)),
            "parentbased_always_on" => new ParentBasedSampler(new AlwaysOnSampler()),
            "parentbased_always_off" => new ParentBasedSampler(new AlwaysOffSampler()),
            "parentbased_traceidratio" => new ParentBasedSampler(new TraceIdRatioBasedSampler(Ratio(config))),
            _ => throw new SettingsException(
                $"OTEL_TRACES_SAMPLER must be always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio (was '{name}')."),
        };
    }

    private static double Ratio(IConfiguration config)
    {
        var text = config["OTEL_TRACES_SAMPLER_ARG"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return 1.0;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) && ratio is >= 0 and <= 1
            ? ratio
            : throw new SettingsException($"OTEL_TRACES_SAMPLER_ARG must be a ratio from 0 to 1 (was '{text}').");
    }
}
