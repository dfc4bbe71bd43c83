using System.Diagnostics.Metrics;

namespace Delineate.Gateway.Progress;

/// <summary>The gateway's meters: live progress connections and the events relayed to them.</summary>
public sealed class GatewayMetrics
{
    public const string Name = "Delineate.Gateway";

    private readonly Counter<long> _relayed;
    private readonly UpDownCounter<long> _connections;
    private readonly Counter<long> _stuck;
    private readonly Histogram<double> _arrivalDelay;

    public GatewayMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        _relayed = meter.CreateCounter<long>("delineate.progress.relayed", "{event}", "Progress events sent to clients, by transport");
        _stuck = meter.CreateCounter<long>("delineate.progress.stuck", "{connection}", "Progress clients dropped for not reading within STREAM_SEND_TIMEOUT_MS, by transport");
        // At 0 from the start, so the first stuck client shows as an increase.
        _stuck.Add(0, new KeyValuePair<string, object?>("transport", "websocket"));
        _stuck.Add(0, new KeyValuePair<string, object?>("transport", "sse"));
        _arrivalDelay = meter.CreateHistogram<double>("delineate.progress.arrival_delay", "s",
            "Time from a job recording a progress event to its arrival at this gateway, for events with followers here",
            advice: Delineate.Grains.Jobs.JobMetrics.DelayBuckets);
        _connections = meter.CreateUpDownCounter<long>("delineate.progress.connections", "{connection}", "Open progress connections, by transport");
    }

    public void Relayed(string transport) => _relayed.Add(1, new KeyValuePair<string, object?>("transport", transport));

    public void Arrived(TimeSpan sinceRecorded) => _arrivalDelay.Record(Math.Max(0, sinceRecorded.TotalSeconds));

    public void Stuck(string transport) => _stuck.Add(1, new KeyValuePair<string, object?>("transport", transport));

    public IDisposable Connected(string transport)
    {
        var tag = new KeyValuePair<string, object?>("transport", transport);
        _connections.Add(1, tag);
        return new Disconnect(_connections, tag);
    }

    private sealed class Disconnect(UpDownCounter<long> connections, KeyValuePair<string, object?> tag) : IDisposable
    {
        public void Dispose() => connections.Add(-1, tag);
    }
}
