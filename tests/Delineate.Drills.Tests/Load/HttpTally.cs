using System.Collections.Concurrent;

namespace Delineate.Drills.Tests.Load;

/// <summary>Every answer the drill's clients got from the gateways, counted by route and status code; 5xx kept as samples.</summary>
public sealed class HttpTally
{
    private const int MaxSamples = 200;
    private readonly ConcurrentDictionary<string, int> _counts = new();
    private readonly ConcurrentQueue<ServerErrorSample> _serverErrors = new();
    private int _serverErrorCount;

    /// <summary>Counts one answer; <paramref name="code"/> 0 means no answer (refused, reset, timed out).</summary>
    public void Record(string route, int code, string gateway, string? body = null)
    {
        _counts.AddOrUpdate($"{route} {(code == 0 ? "no-answer" : code.ToString())}", 1, (_, n) => n + 1);
        if (code >= 500)
        {
            Interlocked.Increment(ref _serverErrorCount);
            if (_serverErrors.Count < MaxSamples)
            {
                _serverErrors.Enqueue(new ServerErrorSample(DateTimeOffset.UtcNow, route, code, gateway, Truncate(body)));
            }
        }
    }

    public IReadOnlyDictionary<string, int> Counts => new SortedDictionary<string, int>(_counts, StringComparer.Ordinal);

    public int ServerErrors => _serverErrorCount;

    public int CountOf(int code) => _counts.Where(p => p.Key.EndsWith($" {code}", StringComparison.Ordinal)).Sum(p => p.Value);

    public IReadOnlyList<ServerErrorSample> ServerErrorSamples => _serverErrors.ToArray();

    /// <summary>The route template of a request path, so job ids do not make every path distinct.</summary>
    public static string RouteOf(string path)
    {
        var segments = path.Split('?')[0].Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length >= 3 && segments[0] == "v1" && segments[1] == "download")
        {
            return segments.Length == 4 ? $"/v1/download/{segments[2]}/{{id}}" : $"/v1/download/{segments[2]}";
        }

        return "/" + string.Join('/', segments);
    }

    private static string? Truncate(string? body) => body is null ? null : body.Length <= 300 ? body : body[..300] + "…";
}
