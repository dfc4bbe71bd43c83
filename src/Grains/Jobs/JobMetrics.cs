using System.Diagnostics;
using System.Diagnostics.Metrics;
using Delineate.Abstractions;

namespace Delineate.Grains.Jobs;

/// <summary>
/// The job's meters (meter <see cref="JobTelemetry.Name"/>). Names follow OpenTelemetry conventions;
/// Prometheus sees them with dots as underscores plus unit and <c>_total</c> suffixes
/// (docs/observability.md lists both).
/// </summary>
public sealed class JobMetrics
{
    private readonly Counter<long> _initiated;
    private readonly Counter<long> _finished;
    private readonly Histogram<double> _duration;
    private readonly UpDownCounter<long> _active;
    private readonly Counter<long> _files;
    private readonly Counter<long> _attempts;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _bundleBytes;
    private readonly Counter<long> _published;
    private readonly Histogram<double> _publishDelay;
    private readonly Counter<long> _resumed;

    public JobMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(JobTelemetry.Name);
        _initiated = meter.CreateCounter<long>("delineate.jobs.initiated", "{job}", "Jobs accepted");
        _finished = meter.CreateCounter<long>("delineate.jobs.finished", "{job}", "Jobs that reached a terminal state, by outcome");
        _duration = meter.CreateHistogram<double>("delineate.job.duration", "s", "Time from acceptance to a terminal state",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600, 1800] });
        _active = meter.CreateUpDownCounter<long>("delineate.jobs.active", "{job}", "Jobs running on this silo");
        _files = meter.CreateCounter<long>("delineate.files.processed", "{file}", "Files settled, by result");
        _attempts = meter.CreateCounter<long>("delineate.file.attempts", "{attempt}", "Source lookups, first tries and retries");
        _retries = meter.CreateCounter<long>("delineate.file.retries", "{attempt}", "Source lookups that were retries");
        _bundleBytes = meter.CreateCounter<long>("delineate.bundle.size", "By", "Bytes written into archives");
        _published = meter.CreateCounter<long>("delineate.progress.published", "{event}", "Progress events published on the stream");
        _publishDelay = meter.CreateHistogram<double>("delineate.progress.publish_delay", "s",
            "Time from a job recording a progress event to its publication (its state stored first)", advice: DelayBuckets);
        _resumed = meter.CreateCounter<long>("delineate.jobs.resumed", "{job}", "Job runs resumed after their silo died or the job was deactivated");

        // Every counter series exists from the start, at 0: Prometheus' increase() and rate() only count
        // from a previous sample, so a series born at 1 hides the first job, failure, retry or resume.
        _initiated.Add(0);
        foreach (var outcome in new[] { JobStatus.Completed, JobStatus.Failed, JobStatus.Cancelled })
        {
            _finished.Add(0, new KeyValuePair<string, object?>("outcome", outcome.ToString().ToLowerInvariant()));
        }
        foreach (var result in new[] { FileStatus.Ready, FileStatus.Missing, FileStatus.Failed })
        {
            _files.Add(0, new KeyValuePair<string, object?>("result", result.ToString().ToLowerInvariant()));
        }
        _attempts.Add(0);
        _retries.Add(0);
        _bundleBytes.Add(0);
        _published.Add(0);
        _resumed.Add(0);
    }

    public void Initiated() => _initiated.Add(1);

    public void Finished(JobStatus outcome, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome.ToString().ToLowerInvariant());
        _finished.Add(1, tag);
        _duration.Record(duration.TotalSeconds, tag);
    }

    public void RunStarted() => _active.Add(1);

    public void RunEnded() => _active.Add(-1);

    public void Resumed() => _resumed.Add(1);

    public void FileSettled(FileStatus result, int attempts)
    {
        _files.Add(1, new KeyValuePair<string, object?>("result", result.ToString().ToLowerInvariant()));
        _attempts.Add(attempts);
        if (attempts > 1)
        {
            _retries.Add(attempts - 1);
        }
    }

    public void Bundled(long bytes) => _bundleBytes.Add(bytes);

    /// <summary>Bucket bounds for the progress delays, silo and gateway alike: 1 ms to 5 s.</summary>
    public static readonly InstrumentAdvice<double> DelayBuckets = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    };

    public void Published(TimeSpan sinceRecorded)
    {
        _published.Add(1);
        _publishDelay.Record(Math.Max(0, sinceRecorded.TotalSeconds));
    }
}
