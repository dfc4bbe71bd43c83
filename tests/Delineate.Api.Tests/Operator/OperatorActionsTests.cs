using System.Net;
using Delineate.Api.Tests.Operator;
using Xunit.Sdk;

namespace Delineate.Api.Tests;

/// <summary>
/// <c>POST /v1/download/{jobId}/retry</c> and <c>DELETE /v1/download/{jobId}?purge=true</c> end to end,
/// against a real gateway whose file source is S3 behind a fault proxy. Run once per deployment
/// (embedded: the in-memory job store; clustered: Redis), as the store's steps differ.
/// </summary>
public abstract class OperatorActionsTests<TDeployment>(TDeployment deployment, ITestOutputHelper output)
    where TDeployment : OperatorDeployment
{
    private static readonly TimeSpan JobTimeout = OperatorDeployment.JobTimeout;

    [Fact]
    public async Task Retry_fetches_only_the_failed_files_keeps_the_settled_ones_and_rebuilds_the_archive()
    {
        var client = deployment.Gateway.Client(TestData.NewOwner("retry"));
        // The source refuses 70007 (403, say a bucket policy gone wrong) until the fault is lifted: it ends
        // failed at once, while the job completes with the rest. A 403 is not retried (by the SDK or the
        // job), so each run's length is the simulated latency alone and the deadline check below is exact.
        var fault = deployment.Proxy.Fail(
            "source refuses 70007", SeededS3Source.IsSourceFile(70007), int.MaxValue, 403);
        string jobId;
        JsonElement first;
        try
        {
            jobId = await client.StartJobAsync([70000, 70007, 70014, 70001]);
            first = await client.WaitForTerminalAsync(jobId, JobTimeout, deployment.Diagnostics);
        }
        finally
        {
            fault.Cancel();
        }

        output.WriteLine($"first run: {first.GetRawText()}");
        Assert.Equal(JobStatuses.Completed, first.String("status"));
        Assert.Equal(2, first.Field("result").Long("successCount"));
        Assert.Equal(1, first.Field("result").Long("missingCount"));
        Assert.Equal(1, first.Field("result").Long("failedCount"));
        var before = Files(first);
        Assert.Equal("failed", before[70007].String("status"));
        var lookupsBefore = new[] { 70000, 70014, 70001 }.ToDictionary(id => id, Lookups);

        var retried = await RetryAsync(client, jobId, "retry-once");
        var accepted = await ReadAsync(retried, HttpStatusCode.Accepted, "POST retry");
        Assert.Contains(accepted.String("status"), new[] { "queued", "processing" });
        Assert.True(accepted.Long("seq") > first.Long("seq"), $"the retry's seq {accepted.Long("seq")} should follow the finished job's {first.Long("seq")}");
        Assert.Equal(JsonValueKind.Null, accepted.Field("result").ValueKind);
        Assert.EndsWith($"/v1/download/status/{jobId}", retried.Headers.Location?.ToString() ?? "", StringComparison.Ordinal);

        // The same idempotency key again answers as the first retry did; without one, the running job is a 409.
        using (var again = await RetryAsync(client, jobId, "retry-once"))
        {
            await ReadAsync(again, HttpStatusCode.Accepted, "POST retry with the same Idempotency-Key");
        }

        using (var whileRunning = await RetryAsync(client, jobId))
        {
            var problem = await ProblemAssert.IsProblemAsync(whileRunning, HttpStatusCode.Conflict, "retry while the retried job runs");
            Assert.Contains("only a finished job", problem.String("detail"), StringComparison.Ordinal);
        }

        // The events go on from the finished job's seq, strictly increasing, to a new terminal event.
        await using (var events = await SseStream.OpenAsync(client, jobId, query: $"after={first.Long("seq")}"))
        {
            var received = await events.ReadToEndAsync(JobTimeout);
            Assert.True(received.Count > 0 && received[^1].Type == "completed", $"the events after the retry should end completed:\n{events.Transcript}");
            var seqs = received.Select(e => e.Seq).ToList();
            Assert.True(seqs[0] > first.Long("seq") && seqs.Zip(seqs.Skip(1)).All(p => p.Second > p.First),
                $"seqs after {first.Long("seq")} should strictly increase: {string.Join(", ", seqs)}");
        }

        var final = await client.WaitForTerminalAsync(jobId, JobTimeout, deployment.Diagnostics);
        output.WriteLine($"after the retry: {final.GetRawText()}");
        Assert.Equal(JobStatuses.Completed, final.String("status"));
        Assert.Equal(3, final.Field("result").Long("successCount"));
        Assert.Equal(1, final.Field("result").Long("missingCount"));
        Assert.Equal(0, final.Field("result").Long("failedCount"));
        var after = Files(final);
        Assert.Equal("ready", after[70007].String("status"));
        Assert.True(after[70007].Long("attempts") > before[70007].Long("attempts"), "70007 was fetched again");
        foreach (var id in new[] { 70000, 70014, 70001 })
        {
            Assert.Equal(before[id].String("status"), after[id].String("status"));
            Assert.True(before[id].Long("attempts") == after[id].Long("attempts"), $"{id} was settled and must not be fetched again: {after[id].GetRawText()}");
            Assert.True(Lookups(id) == lookupsBefore[id], $"{id} was looked up again after the retry:\n{string.Join('\n', deployment.Proxy.Requests)}");
        }

        // Both runs together took longer than JOB_TIMEOUT_MS: the retried run's deadline ran from its own start.
        var created = DateTimeOffset.Parse(final.String("createdAt"), System.Globalization.CultureInfo.InvariantCulture);
        var finished = DateTimeOffset.Parse(final.String("updatedAt"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(finished - created > TimeSpan.FromMilliseconds(OperatorDeployment.JobTimeoutMs),
            $"the test needs both runs to outlast JOB_TIMEOUT_MS; they took {(finished - created).TotalMilliseconds} ms");

        var archive = await DownloadArchiveAsync(client, jobId);
        Assert.Equal(new[] { "70000.zip", "70007.zip", "70014.zip" }, archive.Keys.Order().ToArray());

        // Finished again, the job is back in the expiry set: it goes JOB_TTL_SECONDS after its new end.
        await Poll.UntilAsync(
            $"retried job {jobId} to expire after JOB_TTL_SECONDS={OperatorDeployment.TtlSeconds}",
            TimeSpan.FromSeconds(OperatorDeployment.TtlSeconds + 20),
            async ct =>
            {
                using var response = await client.GetAsync($"/v1/download/status/{jobId}", ct);
                return response.StatusCode == HttpStatusCode.NotFound;
            },
            deployment.Diagnostics,
            TimeSpan.FromMilliseconds(250));
        Assert.False(await deployment.ExportExistsAsync(jobId), "the expired job's export should be deleted");
    }

    [Fact]
    public async Task Retry_and_purge_of_a_queued_or_running_job_are_409()
    {
        var client = deployment.Gateway.Client(TestData.NewOwner("running"));
        // 40 files of 4 s each, 4 at a time: far longer than the requests below.
        var jobId = await client.StartJobAsync(Enumerable.Range(80001, 40));
        using (var retry = await RetryAsync(client, jobId))
        {
            var problem = await ProblemAssert.IsProblemAsync(retry, HttpStatusCode.Conflict, "retry while running");
            Assert.Contains("only a finished job can be retried", problem.String("detail"), StringComparison.Ordinal);
        }

        using (var purge = await client.DeleteAsync($"/v1/download/{jobId}?purge=true"))
        {
            var problem = await ProblemAssert.IsProblemAsync(purge, HttpStatusCode.Conflict, "purge while running");
            Assert.Contains("cancel it first", problem.String("detail"), StringComparison.Ordinal);
        }

        Assert.False(JobStatuses.IsTerminal((await client.StatusAsync(jobId)).String("status")), "neither request may change the running job");

        // Cancelled (DELETE without purge keeps its meaning), it can be purged.
        using (var cancel = await client.DeleteAsync($"/v1/download/{jobId}?purge=false"))
        {
            Assert.Equal(JobStatuses.Cancelled, (await ReadAsync(cancel, HttpStatusCode.OK, "cancel")).String("status"));
        }

        using (var retryCancelled = await RetryAsync(client, jobId))
        {
            var problem = await ProblemAssert.IsProblemAsync(retryCancelled, HttpStatusCode.Conflict, "retry of a cancelled job");
            Assert.Contains("cancelled", problem.String("detail"), StringComparison.Ordinal);
        }

        using (var purge = await client.DeleteAsync($"/v1/download/{jobId}?purge=true"))
        {
            Assert.True(purge.StatusCode == HttpStatusCode.NoContent, $"purge of the cancelled job answered {(int)purge.StatusCode}: {await purge.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task Purge_deletes_a_finished_job_its_list_entry_and_its_export_at_once()
    {
        var client = deployment.Gateway.Client(TestData.NewOwner("purge"));
        var jobId = await client.StartJobAsync([70000, 70001]);
        var finished = await client.WaitForTerminalAsync(jobId, JobTimeout, deployment.Diagnostics);
        Assert.Equal(JobStatuses.Completed, finished.String("status"));
        var archiveUrl = new Uri(finished.Field("result").String("archiveUrl"));
        Assert.True(await deployment.ExportExistsAsync(jobId), "the finished job's export should exist before the purge");

        using (var purge = await client.DeleteAsync($"/v1/download/{jobId}?purge=true"))
        {
            Assert.True(purge.StatusCode == HttpStatusCode.NoContent, $"purge answered {(int)purge.StatusCode}: {await purge.Content.ReadAsStringAsync()}");
        }

        using (var status = await client.GetAsync($"/v1/download/status/{jobId}"))
        {
            await ProblemAssert.IsProblemAsync(status, HttpStatusCode.NotFound, "status after purge");
        }

        using (var download = await client.GetAsync($"/v1/download/{jobId}"))
        {
            await ProblemAssert.IsProblemAsync(download, HttpStatusCode.NotFound, "download after purge");
        }

        var list = await ReadAsync(await client.GetAsync("/v1/download/jobs"), HttpStatusCode.OK, "list after purge");
        Assert.DoesNotContain(list.Array("jobs"), j => j.String("jobId") == jobId);
        Assert.False(await deployment.ExportExistsAsync(jobId), "the purged job's export should be deleted");
        using (var link = await deployment.GetAsync(archiveUrl))
        {
            Assert.False(link.IsSuccessStatusCode, $"the purged job's archive link still answers {(int)link.StatusCode}");
        }

        using (var again = await client.DeleteAsync($"/v1/download/{jobId}?purge=true"))
        {
            await ProblemAssert.IsProblemAsync(again, HttpStatusCode.NotFound, "second purge");
        }

        using (var retry = await RetryAsync(client, jobId))
        {
            await ProblemAssert.IsProblemAsync(retry, HttpStatusCode.NotFound, "retry after purge");
        }
    }

    [Fact]
    public async Task Retry_and_purge_of_someone_elses_job_or_an_unknown_one_are_404()
    {
        var owner = deployment.Gateway.Client(TestData.NewOwner("owner"));
        var stranger = deployment.Gateway.Client(TestData.NewOwner("stranger"));
        // Every file missing: the job fails, and is one an owner could retry.
        var jobId = await owner.StartJobAsync([70001, 70002]);
        Assert.Equal(JobStatuses.Failed, (await owner.WaitForTerminalAsync(jobId, JobTimeout, deployment.Diagnostics)).String("status"));

        foreach (var (what, send) in new (string, Func<HttpClient, string, Task<HttpResponseMessage>>)[]
        {
            ("retry", (c, id) => RetryAsync(c, id)),
            ("purge", (c, id) => c.DeleteAsync($"/v1/download/{id}?purge=true")),
        })
        {
            using (var response = await send(stranger, jobId))
            {
                await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, $"{what} of another owner's job");
            }

            using (var response = await send(owner, Guid.CreateVersion7().ToString()))
            {
                await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, $"{what} of an unknown job");
            }
        }

        // Untouched: its owner still sees it, and finds nothing to retry (every file is missing).
        Assert.Equal(JobStatuses.Failed, (await owner.StatusAsync(jobId)).String("status"));
        using (var retry = await RetryAsync(owner, jobId))
        {
            var problem = await ProblemAssert.IsProblemAsync(retry, HttpStatusCode.Conflict, "retry of an all-missing job");
            Assert.Contains("missing", problem.String("detail"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Retry_of_a_completed_job_without_failed_files_is_409_and_purge_must_be_true_or_false()
    {
        var client = deployment.Gateway.Client(TestData.NewOwner("nothing"));
        var jobId = await client.StartJobAsync([70000]);
        Assert.Equal(JobStatuses.Completed, (await client.WaitForTerminalAsync(jobId, JobTimeout, deployment.Diagnostics)).String("status"));
        using (var retry = await RetryAsync(client, jobId))
        {
            var problem = await ProblemAssert.IsProblemAsync(retry, HttpStatusCode.Conflict, "retry of a job with no failed files");
            Assert.Equal("Nothing to retry", problem.String("title"));
        }

        using (var bad = await client.DeleteAsync($"/v1/download/{jobId}?purge=yes"))
        {
            await ProblemAssert.IsValidationProblemAsync(bad, "purge", "purge=yes");
        }

        Assert.Equal(JobStatuses.Completed, (await client.StatusAsync(jobId)).String("status"));
    }

    [Fact]
    public async Task A_retry_over_the_owners_cap_of_unfinished_jobs_is_429_and_changes_nothing()
    {
        var client = deployment.Gateway.Client(TestData.NewOwner("cap"));
        var fault = deployment.Proxy.Fail(
            "source refuses 70021", SeededS3Source.IsSourceFile(70021), int.MaxValue, 403);
        string failed;
        try
        {
            failed = await client.StartJobAsync([70021]);
            Assert.Equal(JobStatuses.Failed, (await client.WaitForTerminalAsync(failed, JobTimeout, deployment.Diagnostics)).String("status"));
        }
        finally
        {
            fault.Cancel();
        }

        // The owner's cap is full with two long jobs: the retried job would be a third unfinished one.
        var running = await Task.WhenAll(
            client.StartJobAsync(Enumerable.Range(80101, 40)),
            client.StartJobAsync(Enumerable.Range(80201, 40)));
        Assert.Equal(OperatorDeployment.MaxActiveJobsPerOwner, running.Length);
        using (var retry = await RetryAsync(client, failed))
        {
            var problem = await ProblemAssert.IsProblemAsync(retry, HttpStatusCode.TooManyRequests, "retry over the owner's cap");
            Assert.Equal("Too many unfinished jobs", problem.String("title"));
            Assert.True(retry.Headers.RetryAfter is not null, "a 429 carries Retry-After");
        }

        Assert.Equal(JobStatuses.Failed, (await client.StatusAsync(failed)).String("status"));
        using (var cancel = await client.DeleteAsync($"/v1/download/{running[0]}"))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        }

        using (var retry = await RetryAsync(client, failed))
        {
            await ReadAsync(retry, HttpStatusCode.Accepted, "retry once a slot is free");
        }

        var final = await client.WaitForTerminalAsync(failed, JobTimeout, deployment.Diagnostics);
        Assert.Equal(JobStatuses.Completed, final.String("status"));
        Assert.Equal(1, final.Field("result").Long("successCount"));
        using var cancelOther = await client.DeleteAsync($"/v1/download/{running[1]}");
    }

    private static async Task<HttpResponseMessage> RetryAsync(HttpClient client, string jobId, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/download/{jobId}/retry");
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await client.SendAsync(request);
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected)
        {
            throw new XunitException($"{what} answered {(int)response.StatusCode}, expected {(int)expected}: {text}");
        }

        return JsonElementExtensions.ParseJson(text);
    }

    private static Dictionary<int, JsonElement> Files(JsonElement status) =>
        status.Array("files").ToDictionary(f => (int)f.Long("file_id"));

    /// <summary>How many times the service looked file <paramref name="fileId"/> up (S3 HEAD through the proxy).</summary>
    private int Lookups(int fileId) =>
        deployment.Proxy.Requests.Count(r => r.StartsWith("HEAD ", StringComparison.Ordinal) && r.Contains($"/downloads/{fileId}.zip ", StringComparison.Ordinal));

    private async Task<IReadOnlyDictionary<string, byte[]>> DownloadArchiveAsync(HttpClient client, string jobId)
    {
        using var redirect = await client.GetAsync($"/v1/download/{jobId}");
        Assert.True(redirect.StatusCode == HttpStatusCode.Found, $"GET /v1/download/{jobId} answered {(int)redirect.StatusCode}: {await redirect.Content.ReadAsStringAsync()}");
        var location = redirect.Headers.Location!;
        using var archive = await deployment.GetAsync(location.IsAbsoluteUri ? location : new Uri(deployment.Gateway.BaseAddress, location));
        Assert.True(archive.IsSuccessStatusCode, $"the archive link answered {(int)archive.StatusCode}");
        return ZipContents.Read(await archive.Content.ReadAsByteArrayAsync());
    }
}
