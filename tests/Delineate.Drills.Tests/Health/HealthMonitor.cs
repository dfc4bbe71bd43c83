using System.Collections.Concurrent;
using System.Net;
using Delineate.Drills.Tests.Cluster;

namespace Delineate.Drills.Tests.Health;

/// <summary>
/// Asks every running silo and gateway for <c>/health/ready</c> twice a second during the drill and
/// keeps each change of answer, so the report can say which dependency outage each one noticed,
/// and when it recovered.
/// </summary>
public sealed class HealthMonitor(DrillCluster cluster) : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);
    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromSeconds(10) })
    {
        Timeout = TimeSpan.FromSeconds(4),
    };

    private readonly ConcurrentQueue<HealthSample> _samples = new();

    /// <summary>Every sample (answers and non-answers) in time order.</summary>
    public IReadOnlyList<HealthSample> Samples => _samples.OrderBy(s => s.At).ToList();

    /// <summary>Only the samples whose answer differs from the previous one of the same process.</summary>
    public IReadOnlyList<HealthSample> Transitions
    {
        get
        {
            var last = new Dictionary<string, string>();
            var changes = new List<HealthSample>();
            foreach (var sample in Samples)
            {
                var answer = sample.Answer;
                if (!last.TryGetValue(sample.Process, out var previous) || previous != answer)
                {
                    changes.Add(sample);
                    last[sample.Process] = answer;
                }
            }

            return changes;
        }
    }

    /// <summary>One probe loop per silo and gateway slot, so a slow answer from one does not space out the others' samples.</summary>
    public Task RunAsync(CancellationToken stop) => Task.WhenAll(cluster.AllServices.Select(slot => RunAsync(slot, stop)));

    private async Task RunAsync(ServiceSlot slot, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            if (slot.Current is { } process)
            {
                await ProbeAsync(slot.Name, process.BaseAddress, stop);
            }

            try
            {
                await Task.Delay(Interval, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task ProbeAsync(string name, Uri baseAddress, CancellationToken stop)
    {
        var at = DateTimeOffset.UtcNow;
        try
        {
            using var response = await _http.GetAsync(new Uri(baseAddress, "/health/ready"), stop);
            var body = await response.Content.ReadAsStringAsync(stop);
            Add(new HealthSample(at, name, (int)response.StatusCode, FailingChecks(body), body.Length > 200 ? body[..200] : body));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || ex is OperationCanceledException && !stop.IsCancellationRequested)
        {
            Add(new HealthSample(at, name, 0, [], ex is OperationCanceledException ? "no answer within 4 s" : "no answer (refused or reset)"));
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Add(HealthSample sample) => _samples.Enqueue(sample);

    /// <summary>The names of the checks that say "error" in a health answer.</summary>
    public static IReadOnlyList<string> FailingChecks(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.TryGetProperty("checks", out var checks) && checks.ValueKind == JsonValueKind.Object)
            {
                return checks.EnumerateObject().Where(c => c.Value.ValueKind == JsonValueKind.String && c.Value.GetString() != "ok").Select(c => c.Name).ToList();
            }
        }
        catch (JsonException)
        {
        }

        return [];
    }

    /// <summary>
    /// How one process answered around an outage: whether it said 503 naming a failing check while
    /// the dependency was down, and how long after the dependency came back it said 200 again.
    /// </summary>
    public HealthVerdict Judge(string process, DateTimeOffset down, DateTimeOffset up)
    {
        var samples = Samples.Where(s => s.Process == process).ToList();
        var during = samples.Where(s => s.At >= down && s.At < up).ToList();
        var unhealthy = during.Where(s => s.Code == (int)HttpStatusCode.ServiceUnavailable).ToList();
        var firstUnhealthy = unhealthy.FirstOrDefault();
        var recovered = samples.FirstOrDefault(s => s.At >= up && s.Code == (int)HttpStatusCode.OK);
        return new HealthVerdict(
            process,
            during.Count,
            unhealthy.Count,
            unhealthy.SelectMany(s => s.FailingChecks).Distinct().Order().ToList(),
            firstUnhealthy is null ? null : Math.Round((firstUnhealthy.At - down).TotalSeconds, 1),
            recovered is null ? null : Math.Round((recovered.At - up).TotalSeconds, 1),
            during.Select(s => s.Answer).Distinct().ToList());
    }

    public void Dispose() => _http.Dispose();
}
