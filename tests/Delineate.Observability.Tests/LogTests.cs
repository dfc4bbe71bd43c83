using System.Text.RegularExpressions;

namespace Delineate.Observability.Tests;

/// <summary>
/// Issue #4, Done-when 3: log lines are JSON carrying trace_id, span_id and job_id, and a
/// request's X-Request-ID appears in that request's log lines. Read from the processes' stdout.
/// </summary>
[Collection(ObservedClusterCollection.Name)]
public sealed partial class LogTests(ObservedCluster cluster, ITestOutputHelper output)
{
    private IEnumerable<ManagedProcess> Services => [cluster.Gateway.Process, cluster.FirstSilo.Process, cluster.SecondSilo.Process];

    [Fact]
    public void Every_line_the_services_write_is_one_json_object_with_the_ecs_fields()
    {
        var problems = new List<string>();
        foreach (var process in Services)
        {
            var lines = ProcessLogLines.Read(process).ToList();
            output.WriteLine($"{process.Name}: {lines.Count} lines");
            if (process == cluster.Failover.Victim.Process && lines.Count > 0 && lines[^1].Json is null)
            {
                lines.RemoveAt(lines.Count - 1); // SIGKILL may cut the last line short
            }
            // Random placement may leave a silo with one job: its start-up lines and that job's are all it writes.
            Assert.True(lines.Count > 3, $"{process.Name} wrote only {lines.Count} lines");
            var service = process == cluster.Gateway.Process ? "delineate-gateway" : "delineate-silo";
            foreach (var line in lines)
            {
                if (line.Json is null)
                {
                    problems.Add($"not a JSON object: {line}");
                    continue;
                }
                foreach (var field in new[] { "@timestamp", "log.level", "message" })
                {
                    if (string.IsNullOrEmpty(line.Field(field)))
                    {
                        problems.Add($"no {field}: {line}");
                    }
                }
                if (line.Field("service.name") != service)
                {
                    problems.Add($"service.name is not {service}: {line}");
                }
            }
        }
        Assert.True(problems.Count == 0, $"{problems.Count} bad line(s), first ones:\n{string.Join('\n', problems.Take(20))}");
    }

    [Fact]
    public void Lines_written_while_a_job_runs_carry_its_job_id_and_the_trace_and_span_ids()
    {
        var silos = cluster.Silos.SelectMany(s => ProcessLogLines.Read(s.Process)).ToList();
        var problems = new List<string>();
        var checkedLines = 0;
        foreach (var job in cluster.Jobs.Values)
        {
            // Lines of the job's run (RunAsync: started, resumed, finished, failed; the fetcher's warnings).
            var runLines = silos.Where(l => RunMessage().IsMatch(l.Message) && l.Message.Contains(job.JobId, StringComparison.Ordinal)).ToList();
            if (job.Role != "cancelled" && !runLines.Any(l => l.Message == $"Job {job.JobId} started"))
            {
                problems.Add($"{job.Role} {job.JobId}: no 'Job {job.JobId} started' line on either silo");
            }
            var traces = new HashSet<string?>();
            foreach (var line in runLines)
            {
                checkedLines++;
                if (line.Field("job_id") != job.JobId)
                {
                    problems.Add($"job_id is not {job.JobId}: {line}");
                }
                if (!HexId(32).IsMatch(line.Field("trace_id") ?? "") || line.Field("trace_id") == new string('0', 32))
                {
                    problems.Add($"no trace_id: {line}");
                }
                if (!HexId(16).IsMatch(line.Field("span_id") ?? ""))
                {
                    problems.Add($"no span_id: {line}");
                }
                traces.Add(line.Field("trace_id"));
            }
            if (traces.Count > 1)
            {
                problems.Add($"{job.Role} {job.JobId}: its lines carry {traces.Count} trace ids ({string.Join(", ", traces)}); they should all be the initiate's trace");
            }
        }

        // The fetcher's warning about the file whose lookups kept failing is written inside the job too.
        var retried = cluster.Jobs["retried"];
        var fetchWarning = silos.FirstOrDefault(l => l.Message.StartsWith($"File {ObservedCluster.PoisonedFile} failed after", StringComparison.Ordinal));
        if (fetchWarning is null)
        {
            problems.Add($"no 'File {ObservedCluster.PoisonedFile} failed after N attempts' line");
        }
        else if (fetchWarning.Field("job_id") != retried.JobId)
        {
            problems.Add($"the fetch warning of job {retried.JobId} has job_id {fetchWarning.Field("job_id") ?? "none"}: {fetchWarning}");
        }

        // The failover job's lines on both silos are in the initiate's trace.
        var failover = cluster.Failover;
        var resumed = ProcessLogLines.Read(failover.Survivor.Process).FirstOrDefault(l => l.Message.StartsWith($"Job {failover.Job.JobId} resumed", StringComparison.Ordinal));
        if (resumed is null)
        {
            problems.Add($"the survivor {failover.Survivor.Name} did not log 'Job {failover.Job.JobId} resumed'");
        }
        else if (resumed.Field("trace_id") != failover.TraceId || resumed.Field("job_id") != failover.Job.JobId)
        {
            problems.Add($"the resumed line should carry trace_id {failover.TraceId} and job_id {failover.Job.JobId}: {resumed}");
        }
        output.WriteLine($"{checkedLines} job lines checked");
        Assert.True(checkedLines >= cluster.Jobs.Count * 2, $"only {checkedLines} job lines found");
        Assert.True(problems.Count == 0, $"{problems.Count} problem(s):\n{string.Join('\n', problems.Take(30))}");
    }

    [Fact]
    public void A_requests_X_Request_ID_is_on_that_requests_log_lines_and_nowhere_else()
    {
        var requestId = cluster.InitiateRequestId;
        Assert.Equal(requestId, cluster.InitiateAnswer.RequestIdHeader);
        var gateway = ProcessLogLines.Read(cluster.Gateway.Process);
        var tagged = gateway.Where(l => l.Field("request_id") == requestId).ToList();
        output.WriteLine(string.Join('\n', tagged));
        var requestLine = tagged.FirstOrDefault(l => l.Message.StartsWith("HTTP POST /v1/download/initiate responded 202", StringComparison.Ordinal));
        Assert.True(requestLine is not null, $"no 'HTTP POST /v1/download/initiate responded 202' line with request_id {requestId}; lines with it:\n{string.Join('\n', tagged)}");
        Assert.Matches(HexId(32), requestLine!.Field("trace_id") ?? "");
        Assert.Matches(HexId(16), requestLine.Field("span_id") ?? "");
        // Every line with this request id belongs to that one request (its trace), and the id is on no other request.
        Assert.All(tagged, l => Assert.Equal(requestLine.Field("trace_id"), l.Field("trace_id")));
        Assert.DoesNotContain(gateway, l => l.Field("request_id") != requestId && l.Text.Contains(requestId, StringComparison.Ordinal));

        // The error a failing request logs carries its request id too (and Sentry's tag: see SentryTests).
        var sentryLines = gateway.Where(l => l.Field("request_id") == cluster.SentryTestRequestId).ToList();
        output.WriteLine(string.Join('\n', sentryLines));
        Assert.Contains(sentryLines, l => l.Field("log.level") == "Error" && l.Message.StartsWith("HTTP POST /v1/download/check responded 500", StringComparison.Ordinal));
        Assert.Equal(cluster.SentryTestRequestId, cluster.SentryTestAnswer.RequestIdHeader);
        Assert.Equal(cluster.SentryTestRequestId, cluster.SentryTestAnswer.Json.String("requestId"));
    }

    [GeneratedRegex(@"^(Job \S+ (started|resumed|finished|failed|passed its deadline)|File \d+ failed after)")]
    private static partial Regex RunMessage();

    private static Regex HexId(int length) => new($"^[0-9a-f]{{{length}}}$");
}
