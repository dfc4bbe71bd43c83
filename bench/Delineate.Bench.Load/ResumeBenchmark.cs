using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Delineate.Bench.Load;

/// <summary>
/// P6: resume after <c>kill -9</c>. One job is started on a cluster of silos (each given as PID=LOGFILE,
/// its JSON log on stdout redirected to the file); the silo whose log says it started the job is killed
/// with SIGKILL a moment later, mid-fetch. Nothing calls the job while it is down (a client call would
/// reactivate it at once: this measures the unattended path, failure detection + the wake-up reminder).
/// Resume time = the "@timestamp" of the survivor's "Job {id} resumed" log line − the moment of the kill.
/// Then the job is followed to its end, which must be completed with every file settled.
/// </summary>
public static class ResumeBenchmark
{
    public static async Task<int> RunAsync(Args options)
    {
        var url = options.Str("url");
        var label = options.Str("label", "tuned");
        var files = options.Int("files", 40);
        var fileIds = options.Ints("file-ids", "70000");
        var killAfter = TimeSpan.FromSeconds(options.Double("kill-after-s", 2));
        var timeout = TimeSpan.FromSeconds(options.Int("timeout-s", 240));
        var silos = options.All("silo").Select(s => s.Split('=', 2))
            .Select(p => (Pid: int.Parse(p[0], CultureInfo.InvariantCulture), Log: p[1])).ToList();
        if (silos.Count < 2)
        {
            throw new BenchException("give two or more --silo PID=LOGFILE");
        }
        using var api = new JobApi(url, 4);
        var owner = $"p6-{label}";
        var ids = fileIds.Distinct().Take(files).ToArray();
        var jobId = await api.InitiateAsync(owner, ids);
        Results.Log($"P6 {label}: job {jobId} with {ids.Length} files");

        var logs = silos.Select(s => new LogTail(s.Log)).ToList();
        var clock = Stopwatch.StartNew();
        var host = -1;
        while (host < 0 && clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            for (var i = 0; i < logs.Count && host < 0; i++)
            {
                if (logs[i].Find(jobId, "started") is not null)
                {
                    host = i;
                }
            }
            await Task.Delay(50);
        }
        if (host < 0)
        {
            throw new BenchException($"no silo log says job {jobId} started");
        }
        await Task.Delay(killAfter);
        var before = await api.StatusAsync(owner, jobId);
        var doneBefore = before?["filesDone"]?.GetValue<int>() ?? -1;
        if (before?["status"]?.GetValue<string>() is not "processing")
        {
            throw new BenchException($"the job was {before?["status"]} before the kill; give it more files or a longer delay");
        }
        var killedAt = DateTimeOffset.UtcNow;
        Process.GetProcessById(silos[host].Pid).Kill();
        Results.Log($"P6 {label}: killed silo pid {silos[host].Pid} (it hosted the job; {doneBefore} of {ids.Length} files done)");

        DateTimeOffset? resumedAt = null;
        while (resumedAt is null && DateTimeOffset.UtcNow - killedAt < timeout)
        {
            for (var i = 0; i < logs.Count; i++)
            {
                if (i != host && logs[i].Find(jobId, "resumed") is { } at)
                {
                    resumedAt = at;
                }
            }
            await Task.Delay(50);
        }
        double? resumeSeconds = resumedAt is { } r ? (r - killedAt).TotalSeconds : null;
        Results.Log(resumeSeconds is { } s ? $"P6 {label}: resumed {s:0.00} s after the kill" : $"P6 {label}: not resumed within {timeout.TotalSeconds:0} s");

        string? final = null;
        var ready = 0;
        var settled = 0;
        var finishClock = Stopwatch.StartNew();
        while (resumedAt is not null && finishClock.Elapsed < timeout)
        {
            var status = await api.StatusAsync(owner, jobId);
            final = status?["status"]?.GetValue<string>();
            if (final is "completed" or "failed" or "cancelled")
            {
                ready = status?["result"]?["successCount"]?.GetValue<int>() ?? 0;
                settled = status?["filesDone"]?.GetValue<int>() ?? 0;
                break;
            }
            await Task.Delay(250);
        }
        Results.Emit(new JsonObject
        {
            ["bench"] = "P6",
            ["side"] = label,
            ["resume_s"] = resumeSeconds is { } v ? Stats.Round(v, 2) : null,
            ["files"] = ids.Length,
            ["files_done_at_kill"] = doneBefore,
            ["final_status"] = final,
            ["files_settled"] = settled,
            ["files_ready"] = ready,
            ["finished_s_after_kill"] = final is null ? null : Stats.Round((DateTimeOffset.UtcNow - killedAt).TotalSeconds, 1),
        });
        return resumeSeconds is not null && final == "completed" ? 0 : 1;
    }

    /// <summary>Reads a JSON-lines log as it grows.</summary>
    private sealed class LogTail(string path)
    {
        private long _offset;
        private readonly List<string> _lines = [];

        /// <summary>The @timestamp of the first line mentioning the job and the word, or null.</summary>
        public DateTimeOffset? Find(string jobId, string word)
        {
            ReadNew();
            foreach (var line in _lines)
            {
                if (!line.Contains(jobId, StringComparison.OrdinalIgnoreCase) || !line.Contains(word, StringComparison.Ordinal))
                {
                    continue;
                }
                try
                {
                    using var doc = JsonDocument.Parse(line);
                    var message = doc.RootElement.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
                    if (message.Contains(word, StringComparison.Ordinal) && doc.RootElement.TryGetProperty("@timestamp", out var t))
                    {
                        return t.GetDateTimeOffset();
                    }
                }
                catch (JsonException)
                {
                }
            }
            return null;
        }

        private void ReadNew()
        {
            if (!File.Exists(path))
            {
                return;
            }
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length <= _offset)
            {
                return;
            }
            stream.Seek(_offset, SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var text = reader.ReadToEnd();
            var end = text.LastIndexOf('\n');
            if (end < 0)
            {
                return;
            }
            _offset += System.Text.Encoding.UTF8.GetByteCount(text.AsSpan(0, end + 1));
            _lines.AddRange(text[..end].Split('\n'));
        }
    }
}
