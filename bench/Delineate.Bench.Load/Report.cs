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
        JsonObject? Find(string bench, string side)
        {
            var key = bench switch { "P1" => "rps", "P2" => "jobs_per_s", "P3" => "p99_ms", "P6" => "resume_s", _ => null };
            var matches = results.Where(r => (string?)r["bench"] == bench && (string?)r["side"] == side).ToList();
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
        var p1 = (Ours: Find("P1", "ours"), Peer: Find("P1", "peer"), Base: Find("P1", "baseline"));
        if (p1.Ours is not null || p1.Peer is not null || p1.Base is not null)
        {
            double? ours = D(p1.Ours, "rps"), peer = D(p1.Peer, "rps"), ceiling = D(p1.Base, "rps");
            double? vsPeer = ours / peer, vsBase = ours / ceiling;
            // A figure made of error answers is no figure.
            static string Errors(JsonObject? o) => (D(o, "non2xx") ?? 0) + (D(o, "socket_errors") ?? 0) is var n && n > 0 ? $" ({n:0} errors)" : "";
            var clean = (D(p1.Ours, "non2xx") ?? 0) == 0 && (D(p1.Peer, "non2xx") ?? 0) == 0;
            rows.Add(new Row("P1", $"initiate, req/s (64 connections, clustered, Redis{Rounds(p1.Ours)})",
                F(ours, "0") + Errors(p1.Ours), F(peer, "0") + Errors(p1.Peer), F(ceiling, "0") + Errors(p1.Base),
                $"≥ 1.5× peer (is {F(vsPeer, "0.00")}×), ≥ 25 % of baseline (is {F(vsBase * 100, "0.0")} %)",
                All(vsPeer >= 1.5, vsBase >= 0.25, clean)));
            rows.Add(new Row("P1", "initiate latency p50 / p99, ms",
                $"{F(D(p1.Ours, "p50_ms"), "0.0")} / {F(D(p1.Ours, "p99_ms"), "0.0")}",
                $"{F(D(p1.Peer, "p50_ms"), "0.0")} / {F(D(p1.Peer, "p99_ms"), "0.0")}",
                $"{F(D(p1.Base, "p50_ms"), "0.0")} / {F(D(p1.Base, "p99_ms"), "0.0")}",
                "p99 ≤ 50 ms", D(p1.Ours, "p99_ms") is { } p99 ? p99 <= 50 : null));
        }
        var p2 = (Ours: Find("P2", "ours"), Peer: Find("P2", "peer"));
        if (p2.Ours is not null || p2.Peer is not null)
        {
            double? ours = D(p2.Ours, "jobs_per_s"), peer = D(p2.Peer, "jobs_per_s");
            var ratio = ours / peer;
            rows.Add(new Row("P2", $"jobs/s end to end (delays off, 1 small file per job; {D(p2.Ours, "jobs") ?? D(p2.Peer, "jobs")} jobs{Rounds(p2.Ours)})",
                $"{F(ours)} ({F(D(p2.Ours, "completed"), "0")} ok)", $"{F(peer)} ({F(D(p2.Peer, "completed"), "0")} ok)", "–",
                $"≥ 1.0× peer (is {F(ratio, "0.00")}×)", ratio is { } r ? r >= 1.0 : null));
        }
        if (Find("P3", "ours") is { } p3)
        {
            rows.Add(new Row("P3", $"progress latency publish → WebSocket p50 / p99 / max, ms ({D(p3, "jobs")} jobs live and subscribed, {D(p3, "events")} events)",
                $"{F(D(p3, "p50_ms"), "0.0")} / {F(D(p3, "p99_ms"), "0.0")} / {F(D(p3, "max_ms"), "0")}", "–", "–",
                "p99 ≤ 100 ms", D(p3, "p99_ms") is { } p99 ? p99 <= 100 && D(p3, "order_violations") == 0 : null));
        }
        if (Find("P4", "ours") is { } p4)
        {
            rows.Add(new Row("P4", $"silo RSS, {D(p4, "jobs")} jobs in flight (sampled unfinished: {p4["jobs_sampled_unfinished"]}), MiB",
                $"{F(D(p4, "silo_rss_mib"), "0")} (peak {F(D(p4, "silo_peak_mib"), "0")})", "–", "–",
                "≤ 1024 MiB", D(p4, "silo_rss_mib") is { } silo ? silo <= 1024 : null));
            rows.Add(new Row("P4", $"gateway RSS, {D(p4, "subscribers_with_snapshot")} of {D(p4, "subscribers")} WebSocket subscribers connected, MiB",
                $"{F(D(p4, "gateway_rss_mib"), "0")} (before {F(D(p4, "gateway_rss_mib_before"), "0")}, peak {F(D(p4, "gateway_peak_mib"), "0")})", "–", "–",
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
