using System.Globalization;
using System.Net;
using System.Text;

namespace Delineate.Observability.Tests.Support;

/// <summary>One series of an instant query: its labels (with <c>__name__</c>) and value.</summary>
public sealed record PromSample(IReadOnlyDictionary<string, string> Labels, string Value)
{
    public string Name => Labels.GetValueOrDefault("__name__", "");

    public override string ToString() => $"{Name}{{{string.Join(",", Labels.Where(l => l.Key != "__name__").Select(l => $"{l.Key}=\"{l.Value}\""))}}} {Value}";
}

/// <summary>
/// A real Prometheus (the Debian package's binary) scraping the given targets every second, with its
/// own config, TSDB folder and loopback port, owned by the test.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    public const string Binary = "prometheus";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;

    private PrometheusServer(ManagedProcess process, int port, string configPath)
    {
        Process = process;
        Port = port;
        ConfigPath = configPath;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public ManagedProcess Process { get; }

    public int Port { get; }

    public string ConfigPath { get; }

    public Uri BaseAddress => _http.BaseAddress!;

    /// <summary>
    /// Writes prometheus.yml (scrape and evaluation every 1 s; one job per entry of
    /// <paramref name="jobs"/>, static targets) and starts Prometheus; ready when <c>/-/ready</c> says so.
    /// </summary>
    public static async Task<PrometheusServer> StartAsync(
        TestDirectory directory,
        IReadOnlyDictionary<string, IReadOnlyList<Uri>> jobs,
        IReadOnlyList<string> ruleFiles)
    {
        var folder = directory.DataFolder("prometheus");
        var config = new StringBuilder()
            .AppendLine("global:")
            .AppendLine("  scrape_interval: 1s")
            .AppendLine("  scrape_timeout: 1s")
            .AppendLine("  evaluation_interval: 1s");
        if (ruleFiles.Count > 0)
        {
            config.AppendLine("rule_files:");
            foreach (var file in ruleFiles)
            {
                config.AppendLine($"  - '{file}'");
            }
        }
        config.AppendLine("scrape_configs:");
        foreach (var (job, targets) in jobs)
        {
            config.AppendLine($"  - job_name: {job}")
                .AppendLine("    metrics_path: /metrics")
                .AppendLine("    static_configs:")
                .AppendLine($"      - targets: [{string.Join(", ", targets.Select(t => $"'{t.Host}:{t.Port}'"))}]");
        }
        var configPath = Path.Combine(directory.Path, "prometheus.yml");
        await File.WriteAllTextAsync(configPath, config.ToString());

        var port = FreePorts.Allocate();
        var process = ManagedProcess.Start(
            "prometheus",
            Binary,
            [
                $"--config.file={configPath}",
                $"--storage.tsdb.path={Path.Combine(folder, "tsdb")}",
                $"--web.listen-address=127.0.0.1:{port}",
                "--log.level=warn",
            ],
            new Dictionary<string, string?>(),
            directory.LogFile("prometheus"),
            folder);
        var server = new PrometheusServer(process, port, configPath);
        try
        {
            await Poll.UntilAsync(
                $"prometheus on 127.0.0.1:{port} to answer 200 on /-/ready",
                StartTimeout,
                async ct =>
                {
                    process.ThrowIfExited();
                    using var response = await server._http.GetAsync("/-/ready", ct);
                    return response.StatusCode == HttpStatusCode.OK;
                },
                () => process.Tail(),
                TimeSpan.FromMilliseconds(200));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>An instant query (at <paramref name="at"/>, Unix seconds, or now); the series of its vector result.</summary>
    public async Task<IReadOnlyList<PromSample>> QueryAsync(string promql, double? at = null, CancellationToken cancellationToken = default)
    {
        var url = $"/api/v1/query?query={Uri.EscapeDataString(promql)}";
        if (at is { } time)
        {
            url += $"&time={time.ToString("F3", CultureInfo.InvariantCulture)}";
        }
        using var response = await _http.GetAsync(url, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {url} answered {(int)response.StatusCode}: {text}");
        }
        using var document = JsonDocument.Parse(text);
        var data = document.RootElement.GetProperty("data");
        if (data.GetProperty("resultType").GetString() != "vector")
        {
            throw new InvalidOperationException($"{promql}: expected a vector, got {data.GetRawText()}");
        }
        return data.GetProperty("result").EnumerateArray()
            .Select(series => new PromSample(
                series.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? ""),
                series.GetProperty("value")[1].GetString() ?? ""))
            .ToList();
    }

    /// <summary>GET an API path (e.g. <c>/api/v1/rules</c>) as JSON.</summary>
    public async Task<JsonElement> GetJsonAsync(string path, CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync(path, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {text}");
        }
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// Waits until every target of <paramref name="jobs"/> that is still up has been scraped after
    /// <paramref name="after"/>; returns the time (Unix seconds) to query at.
    /// </summary>
    public async Task<double> WaitForScrapesAfterAsync(DateTimeOffset after, IReadOnlyCollection<Uri> liveTargets, TimeSpan timeout)
    {
        var since = after.ToUnixTimeMilliseconds() / 1000.0;
        var wanted = liveTargets.Select(t => $"{t.Host}:{t.Port}").ToHashSet();
        var last = "";
        await Poll.UntilAsync(
            $"prometheus to scrape {string.Join(", ", wanted)} after {after:HH:mm:ss.fff}",
            timeout,
            async ct =>
            {
                var samples = await QueryAsync("timestamp(up == 1)", cancellationToken: ct);
                last = string.Join(", ", samples);
                var fresh = samples
                    .Where(s => double.Parse(s.Value, CultureInfo.InvariantCulture) > since)
                    .Select(s => s.Labels.GetValueOrDefault("instance", ""))
                    .ToHashSet();
                return wanted.IsSubsetOf(fresh);
            },
            () => $"last `timestamp(up == 1)`: {last}\n{Process.Tail(20)}",
            TimeSpan.FromMilliseconds(250));
        return DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Process.DisposeAsync();
    }
}
