using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Delineate.Grains.Jobs;

/// <summary>The job's own spans and meters; hosts subscribe to <see cref="Name"/>.</summary>
public static class JobTelemetry
{
    public const string Name = "Delineate.Jobs";

    public static readonly ActivitySource Source = new(Name);

    /// <summary>Starts a span under the initiating request's trace, when it is known.</summary>
    public static Activity? StartJobActivity(string name, string? traceParent, Guid jobId)
    {
        ActivityContext.TryParse(traceParent, null, out var parent);
        var activity = Source.StartActivity(name, ActivityKind.Internal, parent);
        activity?.SetTag("job.id", jobId.ToString());
        return activity;
    }
}
