using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Delineate.Bench.Load;

/// <summary>
/// Turns the RESULT lines of one run into the table (stdout, Markdown) and bench/results/latest.json:
/// every figure with the peer's and the baseline's beside ours, the issue's target, met or missed.
/// </summary>
public static class Report
{
    private sealed record Row(string Bench, string Figure, string Ours, string Peer, string Baseline, string Target, bool? Met);

    public static int Run(Args options)
    {
        var input = options.Str("in");
        var output = options.Str("out", "");
        var judge = options.Str("targets", "true") == "true";
        var results = File.Exists(input)
            ? File.ReadLines(input).Where(l => l.TrimStart().StartsWith('{')).Select(l => JsonNode.Parse(l)!.AsObject()).ToList()
            : [];
        var meta = new JsonObject();
        foreach (var pair in options.All("meta"))
        {
            var parts = pair.Split('=', 2);
            meta[parts[0]] = parts.Length > 1 ? parts[1] : "";
        }

        // Several rounds of one figure: the median round (by the figure that decides the target).
        // P1 has several figures per side (RESULT field "figure"); a result without one is from before
        // they existed: delays off ("running"), or the baseline's plain HTTP.
        static string FigureOf(JsonObject r) => (string?)r["figure"] ?? ((string?)r["side"] == "baseline" ? "http" : "running");
        List<JsonObject> Matches(string bench, string side, string? figure = null) =>
            results.Where(r => (string?)r["bench"] == bench && (string?)r["side"] == side && (figure is null || FigureOf(r) == figure)).ToList();
        JsonObject? Find(string bench, string side, string? figure = null)
        {
            var key = bench switch { "P1" => "rps", "P2" => "jobs_per_s", "P3" => "p99_ms", "P6" => "resume_s", _ => null };
            var matches = Matches(bench, side, figure);
            if (matches.Count <= 1 || key is null)
            {
                return matches.LastOrDefault();
            }
            var ordered = matches.OrderBy(r => D(r, key) ?? double.MaxValue).ToList();
            var median = ordered[(ordered.Count - 1) / 2].DeepClone().AsObject();
            median["rounds"] = matches.Count;
            median["all_" + key] = new JsonArray(matches.Select(r => (JsonNode?)JsonValue.Create(D(r, key))).ToArray());
            return median;
        }
        static string Rounds(JsonObject? o) => o?["rounds"] is { } n ? $", median of {n}" : "";
        static double? D(JsonObject? o, string name) => o?[name] is JsonValue v && v.TryGetValue<double>(out var d) ? d : null;
        static string F(double? value, string format = "0.0") => value is { } v && double.IsFinite(v) ? v.ToString(format, CultureInfo.InvariantCulture) : "–";
        static bool? All(params bool?[] checks) => checks.Any(c => c is null) ? null : checks.All(c => c == true);

        var rows = new List<Row>();
        var p1 = (Ours: Find("P1", "ours", "parked"), Peer: Find("P1", "peer", "parked"), Base: Find("P1", "baseline"));
        var embedded = Find("P1", "ours", "embedded");
        var running = (Ours: Find("P1", "ours", "running"), Peer: Find("P1", "peer", "running"));
        // A figure made of error answers is no figure.
        static string Errors(JsonObject? o) => (D(o, "non2xx") ?? 0) + (D(o, "socket_errors") ?? 0) is var n && n > 0 ? $" ({n:0} errors)" : "";
        static bool Clean(JsonObject? o) => (D(o, "non2xx") ?? 0) == 0;
        static string Latency(JsonObject? o) => o is null ? "–" : $"{F(D(o, "p50_ms"), "0.0")} / {F(D(o, "p99_ms"), "0.0")}";
        // µs of CPU per accepted initiate, per process, in the order named
        static string Cpu(JsonObject? o, params string[] names) =>
            o?["cpu_us_per_req"] is JsonObject cpu ? string.Join(" / ", names.Select(n => F(D(cpu, n), "0"))) : "–";
        // The slowest exit after SIGTERM over the rounds of one figure, per process; "(SIGKILL)" when one needed it.
        (double? Worst, bool Killed) Stop(string side, string figure, string process)
        {
            var all = Matches("P1", side, figure);
            var times = all.Select(r => D(r["stop_s"] as JsonObject, process)).Where(v => v is not null).ToList();
            var killed = all.Any(r => r["stop_killed"]?[process] is JsonValue k && k.TryGetValue<bool>(out var b) && b);
            return (times.Count > 0 ? times.Max() : null, killed);
        }
        string StopText(string side, string figure, string process) =>
            Stop(side, figure, process) is var (worst, killed) ? F(worst, "0.00") + (killed ? " (SIGKILL)" : "") : "–";
        if (p1.Ours is not null || p1.Peer is not null || p1.Base is not null)
        {
            double? ours = D(p1.Ours, "rps"), peer = D(p1.Peer, "rps"), ceiling = D(p1.Base, "rps");
            double? vsPeer = ours / peer, vsBase = ours / ceiling;
            rows.Add(new Row("P1", $"initiate, parked (600 s source delays: accepted jobs wait), req/s (64 connections; ours clustered, 1 silo + 1 gateway on Redis; peer API alone, no worker{Rounds(p1.Ours)})",
                F(ours, "0") + Errors(p1.Ours), F(peer, "0") + Errors(p1.Peer), F(ceiling, "0") + Errors(p1.Base),
                $"≥ 1.5× peer (is {F(vsPeer, "0.00")}×), ≥ 25 % of baseline (is {F(vsBase * 100, "0.0")} %)",
                All(vsPeer >= 1.5, vsBase >= 0.25, Clean(p1.Ours) && Clean(p1.Peer))));
            rows.Add(new Row("P1", "initiate latency, parked, p50 / p99, ms", Latency(p1.Ours), Latency(p1.Peer), Latency(p1.Base),
                "p99 ≤ 50 ms", D(p1.Ours, "p99_ms") is { } p99 ? p99 <= 50 : null));
            rows.Add(new Row("P1", "CPU per accepted initiate, parked, µs: ours gateway / silo / redis; peer API / redis; baseline process",
                Cpu(p1.Ours, "gateway", "silo", "redis"), Cpu(p1.Peer, "api", "redis"), Cpu(p1.Base, "baseline"), "–", null));
        }
        if (embedded is not null)
        {
            // embedded / clustered, each round against the clustered parked run of the same round; the median of those
            var ratios = Matches("P1", "ours", "embedded")
                .Select(e => (Embedded: D(e, "rps"), Clustered: D(Matches("P1", "ours", "parked").FirstOrDefault(c => D(c, "round") == D(e, "round")), "rps")))
                .Select(p => p.Embedded / p.Clustered).Where(r => r is not null).Select(r => r!.Value).Order().ToList();
            double? ratio = ratios.Count == 0 ? null : ratios.Count % 2 == 1 ? ratios[ratios.Count / 2] : (ratios[ratios.Count / 2 - 1] + ratios[ratios.Count / 2]) / 2;
            var each = ratios.Count > 1 ? $"; rounds {string.Join(", ", ratios.Select(r => F(r, "0.00")))}" : "";
            rows.Add(new Row("P1", $"initiate, embedded (the gateway alone, in-memory, co-hosted silo), parked, req/s{Rounds(embedded)}",
                F(D(embedded, "rps"), "0") + Errors(embedded), "–", "–",
                $"≥ 1.5× clustered parked, same round (is {F(ratio, "0.00")}×{each})", All(ratio >= 1.5, Clean(embedded))));
            rows.Add(new Row("P1", "initiate latency, embedded, parked, p50 / p99, ms", Latency(embedded), "–", "–", "–", null));
            rows.Add(new Row("P1", "CPU per accepted initiate, embedded, parked, µs: gateway", Cpu(embedded, "gateway"), "–", "–", "–", null));
        }
        if (p1.Ours is not null || p1.Peer is not null || embedded is not null)
        {
            var (embeddedStop, embeddedKilled) = Stop("ours", "embedded", "gateway");
            var rounds = Math.Max(Matches("P1", "ours", "embedded").Count, Matches("P1", "ours", "parked").Count);
            rows.Add(new Row("P1", $"stop after SIGTERM with the parked jobs in flight, s (worst of {rounds}): ours embedded gateway; clustered gateway / silo; peer API",
                $"{StopText("ours", "embedded", "gateway")}; {StopText("ours", "parked", "gateway")} / {StopText("ours", "parked", "silo")}",
                StopText("peer", "parked", "api"), "–",
                "embedded ≤ 5 s", embeddedStop is { } s ? s <= 5 && !embeddedKilled : null));
        }
        if (running.Ours is not null || running.Peer is not null)
        {
            double? ours = D(running.Ours, "rps"), peer = D(running.Peer, "rps");
            rows.Add(new Row("P1", $"initiate, delays off (every accepted job runs during the window), req/s (ours clustered; peer API + worker{Rounds(running.Ours)})",
                F(ours, "0") + Errors(running.Ours), F(peer, "0") + Errors(running.Peer), "–",
                $"– (is {F(ours / peer, "0.00")}× peer)", null));
            rows.Add(new Row("P1", "initiate latency, delays off, p50 / p99, ms", Latency(running.Ours), Latency(running.Peer), "–", "–", null));
            rows.Add(new Row("P1", "CPU per accepted initiate, delays off, µs: ours gateway / silo / redis / s3rver; peer API / worker / redis / s3rver",
                Cpu(running.Ours, "gateway", "silo", "redis", "s3rver"), Cpu(running.Peer, "api", "worker", "redis", "s3rver"), "–", "–", null));
        }
        var p2 = (Ours: Find("P2", "ours"), Peer: Find("P2", "peer"));
        if (p2.Ours is not null || p2.Peer is not null)
        {
            double? ours = D(p2.Ours, "jobs_per_s"), peer = D(p2.Peer, "jobs_per_s");
            var ratio = ours / peer;
            rows.Add(new Row("P2", $"jobs/s end to end (delays off, 1 small file per job; {D(p2.Ours, "jobs") ?? D(p2.Peer, "jobs")} jobs{Rounds(p2.Ours)})",
                $"{F(ours)} ({F(D(p2.Ours, "completed"), "0")} ok)", $"{F(peer)} ({F(D(p2.Peer, "completed"), "0")} ok)", "–",
                $"≥ 1.5× peer (is {F(ratio, "0.00")}×)", ratio is { } r ? r >= 1.5 : null));
        }
        if (Find("P3", "ours") is { } p3)
        {
            rows.Add(new Row("P3", $"progress latency publish → WebSocket p50 / p99 / max, ms ({D(p3, "jobs")} jobs live and subscribed, {D(p3, "events")} events)",
                $"{F(D(p3, "p50_ms"), "0.0")} / {F(D(p3, "p99_ms"), "0.0")} / {F(D(p3, "max_ms"), "0")}", "–", "–",
                "p99 ≤ 25 ms", D(p3, "p99_ms") is { } p99 ? p99 <= 25 && D(p3, "order_violations") == 0 : null));
        }
        if (Find("P4", "ours") is { } p4)
        {
            // Before the queued design (results without jobs_queued) P4 held 10,000 jobs in flight.
            var jobs = D(p4, "jobs");
            // queued = unfinished in the owners' lists − running on the silo (its delineate_jobs_active)
            var queued = D(p4, "jobs_queued");
            var runningJobs = D(p4, "jobs_running");
            var allWaiting = queued is { } q && runningJobs is { } r && jobs is { } n && q + r == n && D(p4, "jobs_other") == 0;
            var full = jobs >= 100_000 && (D(p4, "accept_errors") ?? 0) == 0 && allWaiting;
            var waiting = queued is null
                ? $"{F(jobs, "0")} jobs in flight (sampled unfinished: {p4["jobs_sampled_unfinished"]})"
                : $"{F(jobs, "0")} jobs accepted: {F(queued, "0")} queued, {F(runningJobs, "0")} running (limit {F(D(p4, "max_running"), "0")}), {F(D(p4, "jobs_other"), "0")} finished; sampled {p4["jobs_sampled_unfinished"]} unfinished";
            rows.Add(new Row("P4", $"silo RSS after all were accepted, {waiting}, MiB",
                $"{F(D(p4, "silo_rss_mib"), "0")} (VmHWM {F(D(p4, "silo_peak_mib"), "0")}; while accepting {F(D(p4, "silo_rss_mib_accepting"), "0")}; with subscribers {F(D(p4, "silo_rss_mib_with_subscribers"), "0")})", "–", "–",
                "≤ 1024 MiB with 100,000 queued jobs",
                D(p4, "silo_rss_mib") is { } silo ? silo <= 1024 && (queued is null ? jobs >= 100_000 : full) : null));
            if (D(p4, "accept_per_s") is { } rate)
            {
                var tenths = p4["accept_per_s_by_tenth"] is JsonArray a ? string.Join(", ", a.Select(v => F(v is JsonValue x && x.TryGetValue<double>(out var d) ? d : null, "0"))) : "–";
                rows.Add(new Row("P4", $"accept rate while the backlog builds to {F(jobs, "0")} jobs ({p4["files_per_job"]} files each, {F(D(p4, "connections"), "0")} connections, {F(D(p4, "owners"), "0")} owners), initiates/s; per tenth of the jobs: {tenths}",
                    $"{F(rate, "0")} (p50 / p99 {F(D(p4, "accept_p50_ms"), "0.0")} / {F(D(p4, "accept_p99_ms"), "0.0")} ms; {F(D(p4, "accept_retries"), "0")} retried 503/429, {F(D(p4, "accept_errors"), "0")} errors; Redis RSS {F(D(p4, "redis_rss_mib"), "0")} MiB)",
                    "–", "–", "–", null));
            }
            rows.Add(new Row("P4", $"gateway RSS, {D(p4, "subscribers_with_snapshot")} of {D(p4, "subscribers")} WebSocket subscribers connected{(p4["subscribers_snapshot_status"] is JsonObject st ? $" (snapshots: {string.Join(", ", st.Select(p => $"{p.Value} {p.Key}"))})" : "")}, MiB",
                $"{F(D(p4, "gateway_rss_mib"), "0")} (before {F(D(p4, "gateway_rss_mib_before"), "0")}, peak {F(D(p4, "gateway_peak_mib"), "0")}{(D(p4, "gateway_rss_mib_accepting") is { } ga ? $", while accepting {F(ga, "0")}" : "")})", "–", "–",
                "≤ 512 MiB", D(p4, "gateway_rss_mib") is { } gw ? gw <= 512 && D(p4, "subscribers_with_snapshot") == D(p4, "subscribers") : null));
        }
        if (Find("P5", "ours") is { } p5)
        {
            var size = D(p5, "total_mib") is { } mib ? (mib >= 1024 ? $"{mib / 1024:0.#} GiB" : $"{mib:0} MiB") : "1 GiB";
            rows.Add(new Row("P5", $"bundling vs raw multipart upload of the same {size} (median of {D(p5, "runs")})",
                $"{F(D(p5, "bundle_mibps"))} MiB/s = {F(D(p5, "ratio_pct"))} % (per-pair median {F(D(p5, "pair_median_pct"))} %)",
                "–", $"raw {F(D(p5, "raw_mibps"))} MiB/s",
                "≥ 70 %", D(p5, "ratio_pct") is { } ratio ? ratio >= 70 : null));
            rows.Add(new Row("P5", $"bundle peak RSS for {size}, MiB", F(D(p5, "peak_rss_mib"), "0"), "–", $"raw {F(D(p5, "raw_peak_rss_mib"), "0")}",
                "≤ 300 MiB", D(p5, "peak_rss_mib") is { } peak ? peak <= 300 : null));
        }
        foreach (var (label, limit) in new[] { ("tuned", 5.0), ("production", 120.0) })
        {
            if (Find("P6", label) is { } p6)
            {
                var resume = D(p6, "resume_s");
                rows.Add(new Row("P6", $"resume after kill -9 of the job's silo, {label} settings, s{Rounds(p6)} (job then {p6["final_status"]}, {D(p6, "files_settled")}/{D(p6, "files")} files)",
                    F(resume, "0.00"), "–", "–", $"≤ {limit:0} s",
                    resume is { } s ? s <= limit && (string?)p6["final_status"] == "completed" : false));
            }
        }

        var table = new StringBuilder();
        table.AppendLine("| # | figure | Delineate | BullMQ peer | baseline | target | met |");
        table.AppendLine("| --- | --- | --- | --- | --- | --- | --- |");
        foreach (var row in rows)
        {
            var met = !judge ? "(smoke)" : row.Met switch { true => "yes", false => "**no**", null => "–" };
            table.AppendLine($"| {row.Bench} | {row.Figure} | {row.Ours} | {row.Peer} | {row.Baseline} | {row.Target} | {met} |");
        }
        Console.Write(table.ToString());

        if (output.Length > 0)
        {
            var document = new JsonObject
            {
                ["meta"] = meta,
                ["rows"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
                {
                    ["bench"] = r.Bench,
                    ["figure"] = r.Figure,
                    ["ours"] = r.Ours,
                    ["peer"] = r.Peer,
                    ["baseline"] = r.Baseline,
                    ["target"] = r.Target,
                    ["met"] = judge ? r.Met : null,
                }).ToArray()),
                ["results"] = new JsonArray(results.Select(r => (JsonNode)r.DeepClone()).ToArray()),
            };
            File.WriteAllText(output, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
        return 0;
    }
}
