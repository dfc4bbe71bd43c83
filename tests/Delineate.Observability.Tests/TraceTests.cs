namespace Delineate.Observability.Tests;

/// <summary>
/// Issue #4, Done-when 2: one initiate yields one trace holding the HTTP span, the grain call and
/// the job's spans (run, each file fetch, bundle), and the spans written after the job resumed on
/// another silo carry the same trace id. Spans are received over OTLP/HTTP by the test itself.
/// </summary>
[Collection(ObservedClusterCollection.Name)]
public sealed class TraceTests(ObservedCluster cluster, ITestOutputHelper output)
{
    private const string InitiateSpan = "POST /v1/download/initiate";

    [Fact]
    public void One_initiate_yields_one_trace_that_carries_on_after_the_job_moves_to_another_silo()
    {
        var failover = cluster.Failover;
        var job = failover.Job;
        var spans = cluster.Otlp.Trace(failover.TraceId);
        var dump = $"trace {failover.TraceId} ({spans.Count} spans; {failover.Victim.Name} = {failover.VictimInstanceId} killed, " +
                   $"{failover.Survivor.Name} = {failover.SurvivorInstanceId} survived):\n  {string.Join("\n  ", spans)}" +
                   $"{(cluster.Otlp.Errors.Count > 0 ? $"\nunreadable OTLP bodies: {string.Join("; ", cluster.Otlp.Errors)}" : "")}";
        output.WriteLine(dump);
        Assert.Equal(JobStatuses.Completed, job.Status);

        // The HTTP server span of the initiate is the root; its trace id is the one the request's log line carries.
        var http = spans.Where(s => s.Name == InitiateSpan && s.Kind == OtlpSpan.KindServer && s.ServiceName == "delineate-gateway").ToList();
        Assert.True(http.Count == 1, $"expected one '{InitiateSpan}' server span from the gateway in the trace\n{dump}");
        var root = http[0];
        Assert.True(root.ParentSpanId.Length == 0, $"the initiate's HTTP span has a parent ({root.ParentSpanId}): the trace should start at the request\n{dump}");
        var requestLine = ProcessLogLines.Read(cluster.Gateway.Process)
            .FirstOrDefault(l => l.Field("request_id") == failover.RequestId && l.Message.StartsWith("HTTP POST /v1/download/initiate", StringComparison.Ordinal));
        Assert.True(requestLine is not null, $"no request log line with request_id {failover.RequestId}");
        Assert.Equal(failover.TraceId, requestLine!.Field("trace_id"));

        // Accepting is one store write and no grain call: no grain-call span of the gateway is in the trace.
        var gatewayGrainCalls = spans.Where(s => s.ServiceName == "delineate-gateway" && s.Kind == OtlpSpan.KindClient && s.Name.Contains("Grain/", StringComparison.Ordinal)).ToList();
        Assert.True(gatewayGrainCalls.Count == 0, $"the initiate's trace holds grain calls of the gateway: {string.Join(", ", gatewayGrainCalls)}\n{dump}");

        // job.run: the resumed run on the survivor is parented on the initiating request's span.
        var runs = spans.Where(s => s.Name == "job.run").ToList();
        var resumedRun = runs.Where(s => s.ServiceInstanceId == failover.SurvivorInstanceId).ToList();
        Assert.True(resumedRun.Count == 1, $"expected one job.run span from the survivor {failover.Survivor.Name} in the trace\n{dump}");
        Assert.Equal(job.JobId, resumedRun[0].Attributes.GetValueOrDefault("job.id"));
        Assert.Equal(root.SpanId, resumedRun[0].ParentSpanId);

        // The killed silo never ends its job.run (SIGKILL), so that span is never exported; the fetch
        // spans it finished before the kill were, and they hang off that first run: a second run id.
        var victimFetches = spans.Where(s => s.Name == "job.fetch" && s.ServiceInstanceId == failover.VictimInstanceId).ToList();
        Assert.True(victimFetches.Count > 0, $"no job.fetch span from the killed silo {failover.Victim.Name} in the trace\n{dump}");
        var firstRunIds = victimFetches.Select(s => s.ParentSpanId).Distinct().ToList();
        Assert.True(firstRunIds.Count == 1 && firstRunIds[0] != resumedRun[0].SpanId && firstRunIds[0].Length > 0,
            $"the killed silo's fetch spans should all hang off its own job.run (not the survivor's {resumedRun[0].SpanId}); parents: {string.Join(", ", firstRunIds)}\n{dump}");
        var runsByInstance = runs.Select(r => r.ServiceInstanceId).Concat(victimFetches.Select(f => f.ServiceInstanceId)).Distinct().ToList();
        Assert.True(runsByInstance.Count == 2, $"the job's spans should come from both silos; instances: {string.Join(", ", runsByInstance)}\n{dump}");

        // job.fetch: every file of the job, on one silo or the other, in this trace. The exception:
        // files the killed silo settled in its last export window (spans are batched every 200 ms),
        // whose spans died with it; the survivor does not fetch a settled file again. At most the
        // files it had in flight (JOB_CONCURRENCY = 2) can be in that window.
        var fetched = spans.Where(s => s.Name == "job.fetch")
            .Select(s => s.Attributes.GetValueOrDefault("file.id"))
            .Select(id => Convert.ToInt32(id, System.Globalization.CultureInfo.InvariantCulture))
            .ToHashSet();
        var notFetched = job.FileIds.Where(id => !fetched.Contains(id)).ToList();
        Assert.True(notFetched.Count <= 2, $"no job.fetch span in the trace for files {string.Join(", ", notFetched)}\n{dump}");
        var readyFiles = job.FinalStatus.Array("files").Where(f => f.String("status") == "ready").Select(f => (int)f.Long("file_id")).ToHashSet();
        Assert.True(notFetched.All(readyFiles.Contains), $"files without a fetch span must still be ready: {string.Join(", ", notFetched)}\n{dump}");
        Assert.All(spans.Where(s => s.Name == "job.fetch"), s => Assert.Equal("Ready", s.Attributes.GetValueOrDefault("file.status")));
        var survivorFetches = spans.Where(s => s.Name == "job.fetch" && s.ServiceInstanceId == failover.SurvivorInstanceId).ToList();
        Assert.True(survivorFetches.Count > 0 && survivorFetches.All(s => s.ParentSpanId == resumedRun[0].SpanId),
            $"the survivor's fetch spans should hang off its job.run {resumedRun[0].SpanId}\n{dump}");

        // job.bundle: written by the survivor under its run.
        var bundle = spans.Where(s => s.Name == "job.bundle").ToList();
        Assert.True(bundle.Count == 1 && bundle[0].ServiceInstanceId == failover.SurvivorInstanceId && bundle[0].ParentSpanId == resumedRun[0].SpanId,
            $"expected one job.bundle span from the survivor under its job.run\n{dump}");
        Assert.True(bundle[0].Attributes.GetValueOrDefault("bundle.bytes") is long bytes && bytes > 0, $"job.bundle has no bundle.bytes\n{dump}");

        // One trace: no span of this job anywhere else.
        var elsewhere = cluster.Otlp.Spans
            .Where(s => s.TraceId != failover.TraceId && Equals(s.Attributes.GetValueOrDefault("job.id"), job.JobId))
            .ToList();
        Assert.True(elsewhere.Count == 0, $"spans of job {job.JobId} in other traces:\n  {string.Join("\n  ", elsewhere)}");
    }

    [Fact]
    public void Every_span_in_the_documents_table_arrives_with_the_documented_scope_and_attributes()
    {
        var doc = ObservabilityDoc.Load();
        Assert.True(doc.Spans.Count >= 5, $"expected the span table of docs/observability.md's Traces section; parsed {doc.Spans.Count} rows");
        var received = cluster.Otlp.Spans;
        var problems = new List<string>();
        foreach (var row in doc.Spans)
        {
            foreach (var name in row.Names)
            {
                var named = received.Where(s => s.Name == name).ToList();
                output.WriteLine($"{name}: {named.Count} spans; attributes seen: {string.Join(", ", named.SelectMany(s => s.Attributes.Keys).Distinct().Order())}");
                if (named.Count == 0)
                {
                    problems.Add($"no span named '{name}' was exported ({row.Row})");
                    continue;
                }
                if (row.Scope is { } scope && named.Any(s => s.Scope != scope))
                {
                    problems.Add($"'{name}' documented from {scope}, exported from {string.Join(", ", named.Select(s => s.Scope).Distinct())}");
                }
                foreach (var attribute in row.Attributes.Where(a => !named.Any(s => s.Attributes.ContainsKey(a))))
                {
                    problems.Add($"'{name}': no span carries the documented attribute '{attribute}'; seen: {string.Join(", ", named.SelectMany(s => s.Attributes.Keys).Distinct().Order())}");
                }
                foreach (var (attribute, values) in row.AttributeValues)
                {
                    var seen = named.Select(s => s.Attributes.GetValueOrDefault(attribute)?.ToString()).ToHashSet();
                    problems.AddRange(values.Where(v => !seen.Contains(v)).Select(v => $"'{name}': no span with {attribute}={v}; seen: {string.Join(", ", seen)}"));
                }
            }
        }
        Assert.True(problems.Count == 0, $"{problems.Count} difference(s) between docs/observability.md's span table and the exported spans:\n  {string.Join("\n  ", problems)}");
    }

    [Fact]
    public void Infrastructure_requests_and_Orleans_housekeeping_are_not_traced_and_a_failed_run_is_an_error()
    {
        var spans = cluster.Otlp.Spans;
        Assert.NotEmpty(spans);
        var infrastructure = spans
            .Where(s => s.Kind == OtlpSpan.KindServer && s.Attributes.GetValueOrDefault("url.path") is string path
                        && (path.StartsWith("/health", StringComparison.Ordinal) || path.StartsWith("/metrics", StringComparison.Ordinal) || path.StartsWith("/dashboard", StringComparison.Ordinal)))
            .ToList();
        Assert.True(infrastructure.Count == 0, $"{infrastructure.Count} server spans of /health, /metrics or /dashboard (Prometheus scraped every second), e.g.:\n  {string.Join("\n  ", infrastructure.Take(5))}");
        var housekeeping = spans.Where(s => s.Scope == "Microsoft.Orleans.Runtime").ToList();
        Assert.True(housekeeping.Count == 0, $"{housekeeping.Count} spans from Microsoft.Orleans.Runtime, e.g.:\n  {string.Join("\n  ", housekeeping.Take(5))}");

        // The job whose export upload kept failing: its run span has status Error.
        var fatal = cluster.Jobs["fatal"];
        var runs = spans.Where(s => s.Name == "job.run" && Equals(s.Attributes.GetValueOrDefault("job.id"), fatal.JobId)).ToList();
        Assert.True(runs.Count == 1, $"expected one job.run span of job {fatal.JobId}, got:\n  {string.Join("\n  ", runs)}");
        Assert.Equal(2, runs[0].StatusCode); // STATUS_CODE_ERROR
        var retriedFetch = spans.Where(s => s.Name == "job.fetch" && Equals(s.Attributes.GetValueOrDefault("file.id"), (long)ObservedCluster.PoisonedFile)).ToList();
        Assert.True(retriedFetch.Count == 1 && Equals(retriedFetch[0].Attributes.GetValueOrDefault("file.status"), "Failed")
                    && retriedFetch[0].Attributes.GetValueOrDefault("file.attempts") is long attempts && attempts > 1,
            $"the fetch of file {ObservedCluster.PoisonedFile} (every lookup answered 503) should be one job.fetch with file.status Failed after several attempts:\n  {string.Join("\n  ", retriedFetch)}");
    }

    [Fact]
    public void Every_job_of_the_scenario_has_its_run_in_the_trace_of_its_initiate()
    {
        var problems = new List<string>();
        foreach (var job in cluster.Jobs.Values)
        {
            var runs = cluster.Otlp.Spans.Where(s => s.Name == "job.run" && Equals(s.Attributes.GetValueOrDefault("job.id"), job.JobId)).ToList();
            if (runs.Count == 0 && job.Role == "cancelled")
            {
                // Cancelled while it was still queued: a job that was never admitted never runs.
                continue;
            }
            if (runs.Count == 0)
            {
                problems.Add($"{job.Role} {job.JobId}: no job.run span");
                continue;
            }
            foreach (var run in runs)
            {
                var parent = cluster.Otlp.Spans.FirstOrDefault(s => s.SpanId == run.ParentSpanId);
                if (parent is null || parent.Name != InitiateSpan || parent.TraceId != run.TraceId)
                {
                    problems.Add($"{job.Role} {job.JobId}: job.run {run.SpanId} is not under its initiate's HTTP span (parent {parent?.ToString() ?? run.ParentSpanId})");
                }
            }
        }
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }
}
