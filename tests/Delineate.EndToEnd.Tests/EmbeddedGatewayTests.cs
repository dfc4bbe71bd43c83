using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;

namespace Delineate.EndToEnd.Tests;

/// <summary>The HTTP and WebSocket contract of one gateway in embedded mode, black-box.</summary>
public sealed class EmbeddedGatewayTests(EmbeddedGatewayFixture fixture, ITestOutputHelper output)
    : IClassFixture<EmbeddedGatewayFixture>
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    private DownloadApiClient Api => fixture.Api;

    [Fact]
    public async Task A_job_streams_progress_over_websocket_and_finishes_with_a_verified_archive()
    {
        output.WriteLine($"logs: {fixture.Directory.Path}");
        int[] fileIds = [70000, 70007, 10001];

        var clock = Stopwatch.StartNew();
        var job = await Api.InitiateAsync(fileIds);
        var initiateTime = clock.Elapsed;
        output.WriteLine($"initiate answered 202 in {initiateTime.TotalMilliseconds:F0} ms: {job.Body.GetRawText()}");
        Assert.True(initiateTime < TimeSpan.FromSeconds(3), $"initiate took {initiateTime.TotalMilliseconds:F0} ms; it must answer at once, not after the work");
        Assert.True(Guid.TryParse(job.JobId, out _), $"jobId {job.JobId} is not a Guid");
        Assert.Equal(JobStatuses.Queued, job.Body.String("status"));
        Assert.Equal(3, job.Body.Long("totalFileIds"));
        foreach (var field in new[] { "statusUrl", "subscribeUrl", "eventsUrl" })
        {
            Assert.Contains(job.JobId, job.Body.String(field), StringComparison.OrdinalIgnoreCase);
        }

        Assert.NotNull(job.Location);
        Assert.Contains(job.JobId, job.Location!.OriginalString, StringComparison.OrdinalIgnoreCase);

        var transcript = await JobEventSocket.CollectUntilCloseAsync(JobEventSocket.SubscribeUri(Api.BaseAddress, job.JobId), JobTimeout);
        output.WriteLine($"websocket transcript:\n{transcript}");
        AssertEventSequence(job.JobId, transcript);

        var status = await Api.GetStatusAsync(job.JobId);
        output.WriteLine($"status: {status.GetRawText()}");
        await CompletedJobAssert.CompletedWithArchiveAsync(
            Api,
            status,
            fileIds,
            async (_, file) => await Api.DownloadAsync(file.String("url")));

        using var redirect = await Api.Http.GetAsync($"/v1/download/{job.JobId}");
        Assert.True(redirect.StatusCode == HttpStatusCode.Found, $"GET /v1/download/{{jobId}} answered {(int)redirect.StatusCode}, expected 302");
        Assert.NotNull(redirect.Headers.Location);
        var archiveUrl = Api.Resolve(status.Field("result").String("archiveUrl"));
        Assert.Equal(archiveUrl.AbsolutePath, Api.Resolve(redirect.Headers.Location!.OriginalString).AbsolutePath);
    }

    public static TheoryData<string, string> BadInitiateBodies() => new()
    {
        { "empty list", """{"file_ids":[]}""" },
        { "id below range", """{"file_ids":[5]}""" },
        { "1001 ids", JsonSerializer.Serialize(new { file_ids = Enumerable.Range(10000, 1001) }) },
        { "bare string", "\"abc\"" },
        { "string id", """{"file_ids":["abc"]}""" },
        { "file_ids not a list", """{"file_ids":"x"}""" },
        { "invalid json", """{"file_ids":[70000""" },
        { "null", "null" },
        { "bare array", "[70000]" },
    };

    [Theory]
    [MemberData(nameof(BadInitiateBodies))]
    public async Task A_bad_initiate_body_is_a_400_problem(string why, string body)
    {
        using var response = await Api.PostInitiateAsync(body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: expected 400, got {(int)response.StatusCode}: {text}");
        AssertProblem(response, text, 400);
    }

    [Fact]
    public async Task The_status_of_a_malformed_job_id_is_a_problem()
    {
        using var response = await Api.Http.GetAsync("/v1/download/status/not-a-guid");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(
            response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound,
            $"expected 400 or 404, got {(int)response.StatusCode}: {text}");
        AssertProblem(response, text, (int)response.StatusCode);
    }

    [Fact]
    public async Task The_status_of_an_unknown_job_is_a_404_problem()
    {
        using var response = await Api.Http.GetAsync($"/v1/download/status/{Guid.NewGuid()}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"expected 404, got {(int)response.StatusCode}: {text}");
        AssertProblem(response, text, 404);
    }

    [Fact]
    public async Task Cancelling_a_running_job_makes_it_cancelled()
    {
        // 300 files at 200–600 ms each: far longer than the test waits.
        var fileIds = Enumerable.Range(0, 300).Select(i => 80000 + (i * 7)).ToArray();
        var job = await Api.InitiateAsync(fileIds);
        await Poll.UntilAsync(
            $"job {job.JobId} to start processing",
            TimeSpan.FromSeconds(20),
            async ct => (await Api.GetStatusAsync(job.JobId, ct)).String("status") == JobStatuses.Processing,
            () => fixture.Gateway.Process.Tail());

        using var cancel = await Api.Http.DeleteAsync($"/v1/download/{job.JobId}");
        var cancelText = await cancel.Content.ReadAsStringAsync();
        Assert.True(
            cancel.StatusCode is HttpStatusCode.OK or HttpStatusCode.Accepted,
            $"DELETE answered {(int)cancel.StatusCode}, expected 200 or 202: {cancelText}");

        var clock = Stopwatch.StartNew();
        var status = await Api.WaitForTerminalStatusAsync(job.JobId, TimeSpan.FromSeconds(5));
        output.WriteLine($"terminal {clock.ElapsedMilliseconds} ms after DELETE: {status.String("status")}, filesDone {status.OptionalField("filesDone")}");
        Assert.Equal(JobStatuses.Cancelled, status.String("status"));
    }

    private static void AssertEventSequence(string jobId, JobEventTranscript transcript)
    {
        var messages = transcript.Messages;
        Assert.True(messages.Count >= 2, $"expected a snapshot and a terminal event; got\n{transcript}");

        var first = messages[0];
        var last = messages[^1];
        Assert.True(first.String("type") == "snapshot", $"the first message must be the snapshot; got\n{transcript}");
        Assert.True(last.String("type") == "completed", $"the last message must be `completed`; got\n{transcript}");
        Assert.True(last.String("status") == JobStatuses.Completed, $"the terminal event's status must be `completed`; got\n{transcript}");
        Assert.True(last.Number("progress") == 100, $"the terminal event's progress must be 100; got\n{transcript}");
        Assert.True(
            transcript.CloseStatus == WebSocketCloseStatus.NormalClosure,
            $"expected a normal close after the terminal event, got {transcript.CloseStatus}");

        for (var i = 1; i < messages.Count - 1; i++)
        {
            Assert.True(messages[i].String("type") == "progress", $"message {i} between snapshot and terminal must be `progress`; got\n{transcript}");
        }

        for (var i = 0; i < messages.Count; i++)
        {
            Assert.True(
                string.Equals(messages[i].String("jobId"), jobId, StringComparison.OrdinalIgnoreCase),
                $"message {i} is about another job; got\n{transcript}");
            if (i == 0)
            {
                continue;
            }

            Assert.True(messages[i].Long("seq") > messages[i - 1].Long("seq"), $"seq must strictly increase (message {i}); got\n{transcript}");
            Assert.True(messages[i].Number("progress") >= messages[i - 1].Number("progress"), $"progress must never go back (message {i}); got\n{transcript}");
        }

        // Every file finished after the snapshot was taken must show up as a progress event.
        var remaining = first.Long("filesTotal") - first.Long("filesDone");
        if (remaining > 0)
        {
            Assert.True(
                messages.Count(m => m.String("type") == "progress") >= 1,
                $"the snapshot had {remaining} files to go, yet no progress event followed; got\n{transcript}");
        }
    }

    private static void AssertProblem(HttpResponseMessage response, string text, int status)
    {
        Assert.True(
            response.Content.Headers.ContentType?.MediaType == "application/problem+json",
            $"expected application/problem+json, got {response.Content.Headers.ContentType}: {text}");
        var problem = JsonElementExtensions.ParseJson(text);
        if (problem.OptionalField("status") is { } problemStatus)
        {
            Assert.Equal(status, problemStatus.GetInt32());
        }

        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
    }
}
