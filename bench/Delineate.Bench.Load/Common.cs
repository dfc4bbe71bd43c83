using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Delineate.Bench.Load;

public sealed class BenchException(string message) : Exception(message);

/// <summary><c>--name value</c> pairs; a name given twice keeps every value.</summary>
public sealed class Args
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);

    public static Args Parse(IEnumerable<string> args)
    {
        var parsed = new Args();
        string? name = null;
        foreach (var arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                if (name is not null)
                {
                    parsed.Add(name, "true");
                }
                name = arg[2..];
                continue;
            }
            if (name is null)
            {
                throw new BenchException($"unexpected argument '{arg}'");
            }
            parsed.Add(name, arg);
            name = null;
        }
        if (name is not null)
        {
            parsed.Add(name, "true");
        }
        return parsed;
    }

    private void Add(string name, string value)
    {
        if (!_values.TryGetValue(name, out var list))
        {
            _values[name] = list = [];
        }
        list.Add(value);
    }

    public string Str(string name, string? fallback = null) =>
        _values.TryGetValue(name, out var list) ? list[^1] : fallback ?? throw new BenchException($"--{name} is required");

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var list) ? list : [];

    public int Int(string name, int? fallback = null) =>
        _values.TryGetValue(name, out var list)
            ? int.Parse(list[^1], CultureInfo.InvariantCulture)
            : fallback ?? throw new BenchException($"--{name} is required");

    public double Double(string name, double fallback) =>
        _values.TryGetValue(name, out var list) ? double.Parse(list[^1], CultureInfo.InvariantCulture) : fallback;

    public int[] Ints(string name, string fallback) =>
        Str(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries).Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray();
}

public static class Commands
{
    public static int Usage()
    {
        Console.Error.WriteLine("usage: Delineate.Bench.Load free-port | wait-http | jobs | progress | capacity | resume | report  [--option value ...]");
        return 2;
    }

    public static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Console.WriteLine(((IPEndPoint)listener.LocalEndpoint).Port);
        listener.Stop();
        return 0;
    }

    public static async Task<int> WaitHttpAsync(Args options)
    {
        var url = options.Str("url");
        var deadline = Stopwatch.StartNew();
        var timeout = TimeSpan.FromSeconds(options.Int("timeout-s", 60));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        while (deadline.Elapsed < timeout)
        {
            try
            {
                using var response = await http.GetAsync(url);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return 0;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(200);
        }
        Console.Error.WriteLine($"wait-http: {url} did not answer 200 within {timeout.TotalSeconds:0} s");
        return 1;
    }
}

public sealed record InitiateAnswer(HttpStatusCode Status, string? JobId, TimeSpan? RetryAfter, string Body);

/// <summary>The job API as the benchmarks use it; works against Delineate and the BullMQ peer alike.</summary>
public sealed class JobApi : IDisposable
{
    private readonly HttpClient _http;

    public JobApi(string baseUrl, int connections)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            UseProxy = false,
        };
        _http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>Starts a job; its id.</summary>
    public async Task<string> InitiateAsync(string owner, IReadOnlyList<int> fileIds, CancellationToken cancellationToken = default)
    {
        var answer = await TryInitiateAsync(owner, fileIds, cancellationToken);
        return answer.JobId ?? throw new BenchException($"initiate answered {(int)answer.Status}: {Truncate(answer.Body)}");
    }

    /// <summary>One initiate, whatever it answers: the job id when 202, else the status, body and Retry-After.</summary>
    public async Task<InitiateAnswer> TryInitiateAsync(string owner, IReadOnlyList<int> fileIds, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/download/initiate")
        {
            Content = new StringContent("{\"file_ids\":[" + string.Join(',', fileIds) + "]}", Encoding.UTF8, "application/json"),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-User-Id", owner);
        using var response = await _http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var jobId = response.StatusCode == HttpStatusCode.Accepted ? JsonNode.Parse(body)!["jobId"]!.GetValue<string>() : null;
        var retryAfter = response.Headers.RetryAfter?.Delta;
        return new InitiateAnswer(response.StatusCode, jobId, retryAfter, body);
    }

    public async Task<JsonNode?> StatusAsync(string owner, string jobId, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/download/status/{jobId}");
        request.Headers.Add("X-User-Id", owner);
        using var response = await _http.SendAsync(request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>How many of the owner's jobs have the status (the job list's total).</summary>
    public async Task<int> CountAsync(string owner, string status, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/download/jobs?status={status}&limit=1");
        request.Headers.Add("X-User-Id", owner);
        using var response = await _http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!["total"]!.GetValue<int>();
    }

    public Uri SubscribeUri(string jobId)
    {
        var builder = new UriBuilder(new Uri(BaseAddress, $"v1/download/subscribe/{jobId}"));
        builder.Scheme = builder.Scheme == "https" ? "wss" : "ws";
        return builder.Uri;
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "...";

    public void Dispose() => _http.Dispose();
}

public static class Stats
{
    /// <summary>The p-th percentile (0..100) of sorted values, nearest rank.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return double.NaN;
        }
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    public static double Round(double value, int digits = 2) => double.IsFinite(value) ? Math.Round(value, digits) : value;
}

public static class Results
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static void Emit(JsonObject result)
    {
        Console.WriteLine("RESULT " + result.ToJsonString(Json));
    }

    public static void Log(string message) =>
        Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss.fff}] {message}");
}

/// <summary>Resident memory of a process, from /proc.</summary>
public static class ProcMemory
{
    /// <summary>(VmRSS, VmHWM) in MiB, or null when the process is gone.</summary>
    public static (double Rss, double Peak)? Read(int pid)
    {
        try
        {
            double rss = 0, hwm = 0;
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    rss = KiB(line) / 1024.0;
                }
                else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    hwm = KiB(line) / 1024.0;
                }
            }
            return (rss, hwm);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static long KiB(string line) =>
        long.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
}

/// <summary>
/// Samples the RSS of named processes every interval until stopped; keeps the maximum since it started,
/// and the maximum of each open <see cref="Window"/> (a stretch of the run: from Open to Close).
/// </summary>
public sealed class RssSampler : IAsyncDisposable
{
    private readonly Dictionary<string, int> _pids;
    private readonly Dictionary<string, double> _max = [];
    private readonly Dictionary<string, double> _last = [];
    private readonly List<Window> _open = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public RssSampler(IEnumerable<string> specs)
    {
        _pids = specs.Select(s => s.Split('=', 2)).ToDictionary(p => p[0], p => int.Parse(p[1], CultureInfo.InvariantCulture));
        _loop = LoopAsync();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Sample();
            try
            {
                await Task.Delay(250, _stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    public void Sample()
    {
        lock (_max)
        {
            foreach (var (name, pid) in _pids)
            {
                if (ProcMemory.Read(pid) is { } m)
                {
                    _last[name] = m.Rss;
                    _max[name] = Math.Max(_max.GetValueOrDefault(name), m.Rss);
                    foreach (var window in _open)
                    {
                        window.Add(name, m.Rss);
                    }
                }
            }
        }
    }

    /// <summary>A window starting now, with a sample taken at once (so it is never empty).</summary>
    public Window Open()
    {
        var window = new Window(this);
        lock (_max)
        {
            _open.Add(window);
        }
        Sample();
        return window;
    }

    public double Max(string name)
    {
        lock (_max)
        {
            return _max.GetValueOrDefault(name, double.NaN);
        }
    }

    public double Last(string name)
    {
        lock (_max)
        {
            return _last.GetValueOrDefault(name, double.NaN);
        }
    }

    public double Peak(string name) => _pids.TryGetValue(name, out var pid) && ProcMemory.Read(pid) is { } m ? m.Peak : double.NaN;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }

    /// <summary>The maximum RSS of each process over a stretch of the run; <see cref="Close"/> takes a last sample and ends it.</summary>
    public sealed class Window(RssSampler sampler)
    {
        private readonly Dictionary<string, double> _max = [];

        internal void Add(string name, double rss) => _max[name] = Math.Max(_max.GetValueOrDefault(name), rss);

        public double Max(string name)
        {
            lock (sampler._max)
            {
                return _max.GetValueOrDefault(name, double.NaN);
            }
        }

        public void Close()
        {
            sampler.Sample();
            lock (sampler._max)
            {
                sampler._open.Remove(this);
            }
        }
    }
}

/// <summary>The synthetic catalogue's sizes (src/Grains/Storage/Synthetic/SyntheticCatalogue.cs, repeated here): picks small files.</summary>
public static class Catalogue
{
    public static bool Exists(int fileId) => fileId % 7 == 0;

    public static long SizeOf(int fileId) => 1024 + (long)(Mix((ulong)fileId) % (256 * 1024));

    private static ulong Mix(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }

    /// <summary><c>file-ids --from A --to B --count N [--smallest]</c>: existing ids, comma-separated.</summary>
    public static int Print(Args options)
    {
        var ids = Enumerable.Range(options.Int("from"), options.Int("to") - options.Int("from") + 1).Where(Exists);
        if (options.Str("smallest", "false") == "true")
        {
            ids = ids.OrderBy(SizeOf).ThenBy(id => id);
        }
        Console.WriteLine(string.Join(',', ids.Take(options.Int("count", int.MaxValue))));
        return 0;
    }
}
