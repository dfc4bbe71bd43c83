namespace Delineate.Observability.Tests;

/// <summary>
/// Issue #4, Done-when 4: with SENTRY_DSN pointing at a local endpoint that records envelopes,
/// <c>?sentry_test=true</c> and a job that fails fatally produce events tagged with trace_id and job_id.
/// </summary>
[Collection(ObservedClusterCollection.Name)]
public sealed class SentryTests(ObservedCluster cluster, ITestOutputHelper output)
{
    private static readonly TimeSpan EventTimeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task The_sentry_test_call_reaches_Sentry_tagged_with_its_trace_and_request_ids()
    {
        var answer = cluster.SentryTestAnswer;
        Assert.Equal(System.Net.HttpStatusCode.InternalServerError, answer.Status);
        var traceId = answer.Json.String("traceId");

        var sent = await WaitForEventAsync("the sentry_test error", e => e.ExceptionTypes.Any(t => t.EndsWith("SentryTestException", StringComparison.Ordinal)));
        output.WriteLine(sent.ToString());
        Assert.Equal("delineate-gateway", sent.ServerName);
        Assert.Equal(traceId, sent.Tag("trace_id"));
        Assert.Equal(cluster.SentryTestRequestId, sent.Tag("request_id"));
        Assert.Matches("^[0-9a-f]{16}$", sent.Tag("span_id") ?? "");
    }

    [Fact]
    public async Task A_job_that_fails_fatally_reaches_Sentry_tagged_with_its_job_and_trace_ids()
    {
        var job = cluster.Jobs["fatal"];
        Assert.Equal(JobStatuses.Failed, job.Status);
        Assert.Contains("archive could not be stored", job.FinalStatus.String("error"), StringComparison.OrdinalIgnoreCase);
        Assert.Contains(cluster.Proxy.Injected, r => r.Contains($"/exports/{job.JobId}.zip", StringComparison.Ordinal));

        // The silo's error line says which trace the job belongs to.
        var errorLine = cluster.Silos.SelectMany(s => ProcessLogLines.Read(s.Process))
            .FirstOrDefault(l => l.Message == $"Job {job.JobId} failed" && l.Field("log.level") == "Error");
        Assert.True(errorLine is not null, $"no Error line 'Job {job.JobId} failed' on either silo\n{cluster.Diagnostics()}");
        output.WriteLine(errorLine!.ToString());

        var sent = await WaitForEventAsync($"an event for job {job.JobId}",
            e => e.Tag("job_id") == job.JobId || e.Message.Contains(job.JobId, StringComparison.Ordinal));
        output.WriteLine($"matched: {sent}\nall: {cluster.Sentry.Describe()}");
        Assert.Equal("delineate-silo", sent.ServerName);
        Assert.Equal(job.JobId, sent.Tag("job_id"));
        Assert.Equal(errorLine.Field("trace_id"), sent.Tag("trace_id"));
    }

    private async Task<SentryEvent> WaitForEventAsync(string what, Func<SentryEvent, bool> match) =>
        await Poll.UntilAsync(
            $"Sentry to receive {what}",
            EventTimeout,
            _ => Task.FromResult(cluster.Sentry.Events.FirstOrDefault(match)),
            () => $"received: {cluster.Sentry.Describe()}",
            TimeSpan.FromMilliseconds(200));
}
