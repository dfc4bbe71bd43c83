using System.Diagnostics;
using System.Globalization;

namespace Delineate.Observability.Tests;

/// <summary>
/// Issue #4, Done-when 1 and 5: a real Prometheus scraping the running gateway and silos has a series
/// for every metric docs/observability.md lists; the dashboards and alert rules use only names the
/// processes export; promtool accepts the configuration in docker/.
/// </summary>
[Collection(ObservedClusterCollection.Name)]
public sealed class MetricsTests(ObservedCluster cluster, ITestOutputHelper output)
{
    /// <summary>
    /// Documented metrics the scenario is allowed not to produce (name → why). Empty: the scenario
    /// produces the lazy ones too (a failover for jobs_resumed, a failing lookup for file_retries).
    /// </summary>
    private static readonly Dictionary<string, string> AllowedAbsent = [];

    [Fact]
    public void The_reference_tables_are_found_in_the_document()
    {
        var doc = ObservabilityDoc.Load();
        output.WriteLine(string.Join('\n', doc.Metrics.Select(m => $"{m.Table}: {m.Name} ({m.Type}) labels [{string.Join(", ", m.LabelNames)}] from '{m.EmittedBy}'")));
        output.WriteLine($"lazy: {string.Join(", ", doc.Lazy)}");

        var own = doc.Metrics.Where(m => m.Name.StartsWith("delineate_", StringComparison.Ordinal)).ToList();
        Assert.True(own.Count >= 12, $"expected the 12 Delineate metrics of docs/observability.md's reference table, parsed {own.Count}");
        Assert.True(doc.Metrics.Count > own.Count + 10, $"expected the table of other metrics the dashboards use too; parsed {doc.Metrics.Count} names in all");
    }

    [Fact]
    public async Task Every_documented_metric_has_a_series_in_Prometheus_after_the_scenario()
    {
        var doc = ObservabilityDoc.Load();
        var missing = new List<string>();
        foreach (var metric in doc.Metrics)
        {
            var samples = await SeriesAsync(metric.SampleName);
            output.WriteLine($"{metric.SampleName}: {samples.Count} series{(doc.Lazy.Contains(metric.Name) ? " (lazy)" : "")}");
            if (samples.Count == 0 && !AllowedAbsent.ContainsKey(metric.Name))
            {
                missing.Add($"{metric.SampleName} ({metric.Table}{(doc.Lazy.Contains(metric.Name) ? "; documented as lazy" : "")})");
            }
        }
        Assert.True(
            missing.Count == 0,
            $"Prometheus has no series for {missing.Count} documented metric(s) at either query time:\n  {string.Join("\n  ", missing)}\n" +
            $"names Prometheus has: {string.Join(' ', await NamesAsync())}\n{cluster.Diagnostics()}");
    }

    [Fact]
    public async Task Delineate_metrics_carry_the_documented_labels_and_come_from_the_documented_process()
    {
        var doc = ObservabilityDoc.Load();
        var problems = new List<string>();
        foreach (var metric in doc.Metrics)
        {
            var samples = await SeriesAsync(metric.SampleName);
            if (samples.Count == 0)
            {
                continue; // reported by the test above
            }
            foreach (var label in metric.LabelNames.Where(label => !samples.Any(s => s.Labels.ContainsKey(label))))
            {
                problems.Add($"{metric.Name}: no series has the documented label '{label}'; labels seen: {string.Join(", ", samples.SelectMany(s => s.Labels.Keys).Distinct())}");
            }
            foreach (var (label, values) in metric.LabelValues)
            {
                var seen = samples.Select(s => s.Labels.GetValueOrDefault(label)).Where(v => v is not null).ToHashSet();
                // The other-metrics table lists example values (e.g. a refused request); the Delineate table's values are all produced.
                var required = metric.Name.StartsWith("delineate_", StringComparison.Ordinal) ? values : [];
                foreach (var value in required.Where(v => !seen.Contains(v)))
                {
                    problems.Add($"{metric.Name}: no series with {label}=\"{value}\"; seen: {string.Join(", ", seen)}");
                }
            }
            var jobs = metric.EmittingJobs;
            if (jobs.Count > 0 && metric.Name.StartsWith("delineate_", StringComparison.Ordinal))
            {
                var from = samples.Select(s => s.Labels.GetValueOrDefault("job", "")).ToHashSet();
                if (!from.IsSubsetOf(jobs) || !from.Overlaps(jobs))
                {
                    problems.Add($"{metric.Name}: documented as emitted by '{metric.EmittedBy}' (job {string.Join("/", jobs)}), scraped from job {string.Join("/", from)}");
                }
            }
            foreach (var bound in metric.DocumentedBucketBounds)
            {
                var le = double.Parse(bound, CultureInfo.InvariantCulture);
                if (!samples.Any(s => double.TryParse(s.Labels.GetValueOrDefault("le"), CultureInfo.InvariantCulture, out var v) && v == le))
                {
                    problems.Add($"{metric.Name}: documented bucket bound {bound} not among le={string.Join(",", samples.Select(s => s.Labels.GetValueOrDefault("le")).Distinct())}");
                }
            }
        }
        Assert.True(problems.Count == 0, $"{problems.Count} difference(s) between docs/observability.md and Prometheus:\n  {string.Join("\n  ", problems)}");
    }

    [Fact]
    public void Dashboard_and_alert_expressions_use_only_names_the_running_processes_export()
    {
        var root = RepositoryLayout.Root;
        var args = new List<string> { Path.Combine(root, "tests", "promql_metric_names.py") };
        foreach (var scrape in cluster.ScrapeFiles)
        {
            args.AddRange(["--metrics", scrape]);
        }
        args.AddRange(System.IO.Directory.GetFiles(Path.Combine(root, "docker", "grafana", "dashboards"), "*.json").Order());
        args.Add(Path.Combine(root, "docker", "prometheus", "alerts.yml"));

        var (exitCode, text) = Run("python3", args, root);
        output.WriteLine(text);
        Assert.True(exitCode == 0, $"tests/promql_metric_names.py against the live scrapes ({string.Join(", ", cluster.ScrapeFiles.Select(Path.GetFileName))}) exited {exitCode}:\n{text}");
        Assert.Contains("0 unknown", text);
    }

    [Fact]
    public void Promtool_accepts_the_Prometheus_configuration_and_rules_in_docker()
    {
        var root = RepositoryLayout.Root;
        var rules = Path.Combine(root, "docker", "prometheus", "alerts.yml");
        var (rulesExit, rulesText) = Run("promtool", ["check", "rules", rules], root);
        output.WriteLine(rulesText);
        Assert.True(rulesExit == 0, $"promtool check rules {rules} exited {rulesExit}:\n{rulesText}");

        // prometheus.yml names the rule file where compose mounts it: check a copy that points at a copy.
        var folder = cluster.Directory.DataFolder("promtool");
        File.Copy(rules, Path.Combine(folder, "alerts.yml"), overwrite: true);
        var config = File.ReadAllText(Path.Combine(root, "docker", "prometheus.yml"));
        Assert.Contains("/etc/prometheus/alerts.yml", config);
        var copy = Path.Combine(folder, "prometheus.yml");
        File.WriteAllText(copy, config.Replace("/etc/prometheus/", folder + "/", StringComparison.Ordinal));
        var (configExit, configText) = Run("promtool", ["check", "config", copy], root);
        output.WriteLine(configText);
        Assert.True(configExit == 0, $"promtool check config (docker/prometheus.yml, rule path moved to {folder}) exited {configExit}:\n{configText}");
        Assert.Contains("SUCCESS", configText);
    }

    [Fact]
    public async Task The_alert_rules_evaluate_on_the_live_series_without_errors()
    {
        var rules = await cluster.Prometheus.GetJsonAsync("/api/v1/rules");
        var all = rules.GetProperty("data").GetProperty("groups").EnumerateArray()
            .SelectMany(g => g.GetProperty("rules").EnumerateArray())
            .ToList();
        foreach (var rule in all)
        {
            output.WriteLine($"{rule.GetProperty("name").GetString()}: health {rule.GetProperty("health").GetString()}, state {(rule.TryGetProperty("state", out var s) ? s.GetString() : "-")}");
        }
        Assert.NotEmpty(all);
        var bad = all.Where(r => r.GetProperty("health").GetString() != "ok")
            .Select(r => $"{r.GetProperty("name").GetString()}: {r.GetProperty("health").GetString()} {(r.TryGetProperty("lastError", out var e) ? e.GetString() : "")}")
            .ToList();
        Assert.True(bad.Count == 0, $"alert rules that did not evaluate cleanly:\n  {string.Join("\n  ", bad)}");
    }

    [Fact]
    public async Task The_killed_silo_is_reported_down_by_its_alert()
    {
        var victim = $"127.0.0.1:{cluster.Failover.Victim.BaseAddress.Port}";
        var alerts = await AlertsAsync("DelineateSiloDown");
        output.WriteLine(string.Join('\n', alerts));
        Assert.Contains(alerts, a => a.Labels.GetValueOrDefault("instance") == victim && a.Labels.GetValueOrDefault("alertstate") is "pending" or "firing");
        Assert.DoesNotContain(alerts, a => a.Labels.GetValueOrDefault("instance") != victim);
    }

    /// <summary>
    /// The failover resumed a job: <c>DelineateJobsResumed</c> (no <c>for:</c>) should fire. A
    /// counter that first appears at 1 has no increase() for Prometheus, so this needs the job
    /// counters to exist at 0 from the silo's start.
    /// </summary>
    [Fact]
    public async Task The_failover_fires_the_jobs_resumed_alert()
    {
        IReadOnlyList<PromSample> firing = [];
        try
        {
            await Poll.UntilAsync(
                "DelineateJobsResumed to fire",
                TimeSpan.FromSeconds(10),
                async ct =>
                {
                    firing = await AlertsAsync("DelineateJobsResumed", ct);
                    return firing.Any(a => a.Labels.GetValueOrDefault("alertstate") == "firing");
                },
                interval: TimeSpan.FromMilliseconds(500));
        }
        catch (TimeoutException)
        {
            var resumed = await cluster.Prometheus.QueryAsync("delineate_jobs_resumed_total");
            var increase = await cluster.Prometheus.QueryAsync("sum(increase(delineate_jobs_resumed_total[10m]))");
            var history = await cluster.Prometheus.QueryAsync("count_over_time(delineate_jobs_resumed_total[10m])");
            Assert.Fail(
                "DelineateJobsResumed did not fire after a job was resumed on another silo.\n" +
                $"delineate_jobs_resumed_total: {string.Join("; ", resumed)}\n" +
                $"samples in the last 10m: {string.Join("; ", history)}\n" +
                $"sum(increase(delineate_jobs_resumed_total[10m])): {string.Join("; ", increase)}\n" +
                "The survivor's counter first appeared with the value 1, so increase() sees no increase: the job counters " +
                "must exist (at 0) from the silo's start for the alert to see the first resume.");
        }
        output.WriteLine(string.Join('\n', firing));
    }

    private async Task<IReadOnlyList<PromSample>> AlertsAsync(string name, CancellationToken cancellationToken = default) =>
        await cluster.Prometheus.QueryAsync($"ALERTS{{alertname=\"{name}\"}}", cancellationToken: cancellationToken);

    /// <summary>The series of <paramref name="name"/> at the time after phase 1 and after the failover (a killed silo's series go stale).</summary>
    private async Task<IReadOnlyList<PromSample>> SeriesAsync(string name)
    {
        var before = await cluster.Prometheus.QueryAsync(name, cluster.BeforeKillTime);
        var after = await cluster.Prometheus.QueryAsync(name, cluster.AfterFailoverTime);
        return before.Concat(after)
            .GroupBy(s => s.ToString().Split(' ')[0])
            .Select(g => g.First())
            .ToList();
    }

    private async Task<IEnumerable<string>> NamesAsync()
    {
        var names = await cluster.Prometheus.GetJsonAsync("/api/v1/label/__name__/values");
        return names.GetProperty("data").EnumerateArray().Select(n => n.GetString() ?? "");
    }

    private static (int ExitCode, string Output) Run(string fileName, IEnumerable<string> arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{fileName} did not finish within 60 s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
