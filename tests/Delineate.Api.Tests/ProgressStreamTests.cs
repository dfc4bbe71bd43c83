using System.Net.WebSockets;

namespace Delineate.Api.Tests;

/// <summary>
/// Live progress over WebSocket and Server-Sent Events: a snapshot first, then only newer events,
/// the terminal event and a normal end; resuming after a seq repeats nothing and skips nothing.
/// </summary>
[Collection(SharedGatewayCollection.Name)]
public sealed class ProgressStreamTests(SharedGatewayFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    /// <summary>About four seconds of work at 50–150 ms a file, four at a time.</summary>
    private static readonly int[] LongJob = TestData.AvailableIds(160);

    private GatewayHost Host => fixture.Host;

    [Fact]
    public async Task A_websocket_joining_mid_job_gets_a_snapshot_then_only_newer_events_then_a_normal_close()
    {
        var client = Host.Client(TestData.NewOwner("ws-join"));
        var jobId = await client.StartJobAsync(LongJob);
        var running = await client.WaitForStatusAsync(jobId, s => s.Long("filesDone") >= 3, JobTimeout, "3 files done", Host.Tail);

        await using var socket = await EventSocket.ConnectAsync(client, jobId);
        var events = await socket.ReadUntilClosedAsync(JobTimeout);
        output.WriteLine(socket.Transcript);

        AssertJoinedMidJob(jobId, events, running, socket.Transcript);
        Assert.True(socket.CloseStatus == WebSocketCloseStatus.NormalClosure, $"close status {socket.CloseStatus}\n{socket.Transcript}");
        Assert.Equal("completed", events[^1].Type);
    }

    [Fact]
    public async Task Server_sent_events_joining_mid_job_get_a_snapshot_then_only_newer_events_then_the_stream_ends()
    {
        var client = Host.Client(TestData.NewOwner("sse-join"));
        var jobId = await client.StartJobAsync(LongJob);
        var running = await client.WaitForStatusAsync(jobId, s => s.Long("filesDone") >= 3, JobTimeout, "3 files done", Host.Tail);

        await using var stream = await SseStream.OpenAsync(client, jobId);
        var events = await stream.ReadToEndAsync(JobTimeout);
        output.WriteLine(stream.Transcript);

        AssertJoinedMidJob(jobId, events, running, stream.Transcript);
        AssertSseFields(events, stream.Transcript);
        Assert.Equal("completed", events[^1].Type);
    }

    [Fact]
    public async Task A_websocket_resumed_with_after_continues_from_the_next_seq_without_repeats()
    {
        var client = Host.Client(TestData.NewOwner("ws-resume"));
        var jobId = await client.StartJobAsync(LongJob);
        long lastSeen;
        await using (var first = await EventSocket.ConnectAsync(client, jobId))
        {
            lastSeen = (await first.ReadUntilAsync(e => e.Type == "progress" && e.Json.Long("filesDone") >= 4, JobTimeout, "4 files done")).Seq;
            output.WriteLine($"first connection, dropped after seq {lastSeen}:\n{first.Transcript}");
            first.Abort();
        }

        // Let the job move on while nobody listens, so the resume has missed events to replay.
        await client.WaitForStatusAsync(jobId, s => s.Long("seq") >= lastSeen + 5, JobTimeout, $"seq {lastSeen + 5}", Host.Tail);
        await using var resumed = await EventSocket.ConnectAsync(client, jobId, $"after={lastSeen}");
        var events = await resumed.ReadUntilClosedAsync(JobTimeout);
        output.WriteLine(resumed.Transcript);

        EventStreamAssert.WellFormed(jobId, events, resumed.Transcript);
        EventStreamAssert.Contiguous(lastSeen + 1, events, resumed.Transcript);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, resumed.CloseStatus);
    }

    [Fact]
    public async Task Server_sent_events_resumed_with_last_event_id_continue_from_the_next_seq_without_repeats()
    {
        var client = Host.Client(TestData.NewOwner("sse-resume"));
        var jobId = await client.StartJobAsync(LongJob);
        string lastId;
        await using (var first = await SseStream.OpenAsync(client, jobId))
        {
            var e = await first.ReadUntilAsync(e => e.Type == "progress" && e.Json.Long("filesDone") >= 4, JobTimeout, "4 files done");
            lastId = e.SseId!;
            output.WriteLine($"first connection, dropped after id {lastId}:\n{first.Transcript}");
        }

        var lastSeen = long.Parse(lastId, System.Globalization.CultureInfo.InvariantCulture);
        await client.WaitForStatusAsync(jobId, s => s.Long("seq") >= lastSeen + 5, JobTimeout, $"seq {lastSeen + 5}", Host.Tail);
        await using var resumed = await SseStream.OpenAsync(client, jobId, lastEventId: lastId);
        var events = await resumed.ReadToEndAsync(JobTimeout);
        output.WriteLine(resumed.Transcript);

        EventStreamAssert.WellFormed(jobId, events, resumed.Transcript);
        EventStreamAssert.Contiguous(lastSeen + 1, events, resumed.Transcript);
        AssertSseFields(events, resumed.Transcript);
    }

    [Fact]
    public async Task Resuming_a_finished_job_replays_exactly_the_missed_events()
    {
        var client = Host.Client(TestData.NewOwner("resume-finished"));
        var jobId = await client.StartJobAsync(TestData.AvailableIds(12));
        var done = await client.WaitForTerminalAsync(jobId, JobTimeout, Host.Tail);
        var finalSeq = done.Long("seq");
        Assert.True(finalSeq >= 6, $"expected a dozen events: {done.GetRawText()}");
        var after = finalSeq - 5;

        await using var socket = await EventSocket.ConnectAsync(client, jobId, $"after={after}");
        var overSocket = await socket.ReadUntilClosedAsync(JobTimeout);
        output.WriteLine(socket.Transcript);
        EventStreamAssert.WellFormed(jobId, overSocket, socket.Transcript);
        EventStreamAssert.Contiguous(after + 1, overSocket, socket.Transcript);
        Assert.Equal(finalSeq, overSocket[^1].Seq);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);

        await using var stream = await SseStream.OpenAsync(client, jobId, lastEventId: after.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var overSse = await stream.ReadToEndAsync(JobTimeout);
        output.WriteLine(stream.Transcript);
        EventStreamAssert.WellFormed(jobId, overSse, stream.Transcript);
        EventStreamAssert.Contiguous(after + 1, overSse, stream.Transcript);
        Assert.Equal(overSocket.Select(e => e.Json.GetRawText()), overSse.Select(e => e.Json.GetRawText()));
    }

    [Theory]
    [InlineData(new[] { 70000, 70007 }, "completed")]
    [InlineData(new[] { 70001, 70002 }, "failed")]
    public async Task A_finished_job_gives_a_snapshot_the_terminal_event_and_a_normal_end(int[] fileIds, string outcome)
    {
        var client = Host.Client(TestData.NewOwner("finished"));
        var jobId = await client.StartJobAsync(fileIds);
        var done = await client.WaitForTerminalAsync(jobId, JobTimeout, Host.Tail);
        Assert.Equal(outcome, done.String("status"));

        await using var socket = await EventSocket.ConnectAsync(client, jobId);
        var overSocket = await socket.ReadUntilClosedAsync(TimeSpan.FromSeconds(15));
        output.WriteLine(socket.Transcript);
        AssertFinishedJobStream(jobId, overSocket, done, outcome, socket.Transcript);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);

        await using var stream = await SseStream.OpenAsync(client, jobId);
        var overSse = await stream.ReadToEndAsync(TimeSpan.FromSeconds(15));
        output.WriteLine(stream.Transcript);
        AssertFinishedJobStream(jobId, overSse, done, outcome, stream.Transcript);
        AssertSseFields(overSse, stream.Transcript);
    }

    [Fact]
    public async Task A_cancelled_job_ends_its_followers_streams_with_a_cancelled_event_within_a_second()
    {
        var client = Host.Client(TestData.NewOwner("cancel-stream"));
        var jobId = await client.StartJobAsync(LongJob);
        await using var socket = await EventSocket.ConnectAsync(client, jobId);
        await using var stream = await SseStream.OpenAsync(client, jobId);
        await socket.ReadUntilAsync(e => e.Json.Long("filesDone") >= 2, JobTimeout, "2 files done");
        await stream.ReadEventAsync(TimeSpan.FromSeconds(15));
        var cancelledAt = DateTimeOffset.UtcNow;
        long filesDoneAtCancel;
        using (var cancel = await client.DeleteAsync($"/v1/download/{jobId}"))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, cancel.StatusCode);
            filesDoneAtCancel = JsonElementExtensions.ParseJson(await cancel.Content.ReadAsStringAsync()).Long("filesDone");
        }

        var terminal = await socket.ReadUntilAsync(e => e.IsTerminal, TimeSpan.FromSeconds(15), "the cancelled event");
        var delay = terminal.ArrivedAt - cancelledAt;
        output.WriteLine($"the cancelled event arrived {delay.TotalMilliseconds:F0} ms after the DELETE was sent");
        Assert.True(delay < TimeSpan.FromSeconds(1.5), $"the cancelled event arrived {delay.TotalMilliseconds:F0} ms after the DELETE; cancel must take effect within a second\n{socket.Transcript}");
        Assert.Equal(filesDoneAtCancel, terminal.Json.Long("filesDone"));

        var overSocket = await socket.ReadUntilClosedAsync(TimeSpan.FromSeconds(15));
        var overSse = await stream.ReadToEndAsync(TimeSpan.FromSeconds(15));
        output.WriteLine(socket.Transcript);
        output.WriteLine(stream.Transcript);
        EventStreamAssert.WellFormed(jobId, overSocket, socket.Transcript);
        EventStreamAssert.WellFormed(jobId, overSse, stream.Transcript);
        Assert.Equal("cancelled", overSocket[^1].Type);
        Assert.Equal("cancelled", overSse[^1].Type);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);

        // In-flight work stopped: nothing more gets done after the cancel.
        var final = await client.StatusAsync(jobId);
        Assert.Equal("cancelled", final.String("status"));
        Assert.Equal(filesDoneAtCancel, final.Long("filesDone"));
    }

    [Fact]
    public async Task A_client_closing_its_websocket_gets_the_close_handshake_back()
    {
        var client = Host.Client(TestData.NewOwner("client-close"));
        var jobId = await client.StartJobAsync(LongJob);
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        foreach (var (name, value) in EventSocket.HeadersOf(client))
        {
            socket.Options.SetRequestHeader(name, value);
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(EventSocket.UriFor(Host.BaseAddress, jobId), deadline.Token);
        var buffer = new byte[16 * 1024];
        await socket.ReceiveAsync(buffer, deadline.Token);

        // CloseAsync completes only when the server answers with its own close frame.
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", deadline.Token);
        Assert.Equal(WebSocketState.Closed, socket.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        using var cancel = await client.DeleteAsync($"/v1/download/{jobId}");
    }

    [Fact]
    public async Task Polled_status_never_goes_back()
    {
        var client = Host.Client(TestData.NewOwner("poll"));
        var jobId = await client.StartJobAsync([.. TestData.AvailableIds(60), 70001]);
        var seen = new List<JsonElement>();
        await Poll.UntilAsync(
            $"job {jobId} to finish",
            JobTimeout,
            async ct =>
            {
                var status = await client.StatusAsync(jobId, ct);
                seen.Add(status);
                return JobStatuses.IsTerminal(status.String("status"));
            },
            Host.Tail,
            TimeSpan.FromMilliseconds(20));
        output.WriteLine($"{seen.Count} polls");
        var order = new[] { "queued", "processing", "completed" };
        for (var i = 1; i < seen.Count; i++)
        {
            var (before, after) = (seen[i - 1], seen[i]);
            var context = $"poll {i - 1}: {before.GetRawText()}\npoll {i}: {after.GetRawText()}";
            foreach (var field in new[] { "seq", "progress", "filesDone", "filesMissing", "bytesDone" })
            {
                Assert.True(after.Long(field) >= before.Long(field), $"{field} went back\n{context}");
            }

            Assert.True(Array.IndexOf(order, after.String("status")) >= Array.IndexOf(order, before.String("status")), $"status went back\n{context}");
        }

        Assert.Equal(100, seen[^1].Long("progress"));
    }

    [Fact]
    public async Task Resuming_after_a_seq_the_job_never_reached_is_refused_or_still_ends_with_the_terminal_event()
    {
        var client = Host.Client(TestData.NewOwner("future-after"));
        var jobId = await client.StartJobAsync(LongJob);
        await client.WaitForStatusAsync(jobId, s => s.Long("filesDone") >= 1, JobTimeout, "a file done", Host.Tail);
        const string Future = "1000000";

        // The job takes about four seconds: twenty is plenty for its end to reach the client.
        var endTimeout = TimeSpan.FromSeconds(20);

        using (var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/download/events/{jobId}"))
        {
            request.Headers.Add("Last-Event-ID", Future);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode != System.Net.HttpStatusCode.BadRequest)
            {
                Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
                var text = await ReadAllWithin(response, endTimeout);
                output.WriteLine(text);
                Assert.True(
                    text.Contains("event: completed", StringComparison.Ordinal),
                    $"SSE resumed with Last-Event-ID {Future} ended without the terminal event:\n{text}");
            }
        }

        var handshake = await EventSocket.HandshakeStatusAsync(Host.BaseAddress, jobId, EventSocket.HeadersOf(client), $"after={Future}");
        Assert.True(handshake is System.Net.HttpStatusCode.SwitchingProtocols or System.Net.HttpStatusCode.BadRequest, $"the WebSocket handshake with after={Future} answered {(int)handshake}");
        if (handshake == System.Net.HttpStatusCode.SwitchingProtocols)
        {
            await using var socket = await EventSocket.ConnectAsync(client, jobId, $"after={Future}");
            var events = await socket.ReadUntilClosedAsync(endTimeout);
            Assert.True(events.Count > 0 && events[^1].IsTerminal, $"the WebSocket resumed after {Future} ended without the terminal event\n{socket.Transcript}");
        }
    }

    /// <summary>Reads a streamed body to its end; a <see cref="TimeoutException"/> names what had arrived when the deadline passed.</summary>
    private static async Task<string> ReadAllWithin(HttpResponseMessage response, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var received = new System.Text.StringBuilder();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        try
        {
            while (await reader.ReadLineAsync(deadline.Token) is { } line)
            {
                received.AppendLine(line);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"The stream did not end within {timeout.TotalSeconds:F0} s although the job has finished. Received:\n{received}");
        }

        return received.ToString();
    }

    [Theory]
    [InlineData("after=-1")]
    [InlineData("after=abc")]
    [InlineData("after=1.5")]
    [InlineData("after=99999999999999999999999")]
    public async Task A_bad_resume_position_is_a_400_problem(string query)
    {
        var client = Host.Client(TestData.NewOwner("bad-after"));
        var jobId = await client.StartJobAsync([70000]);
        using (var response = await client.GetAsync($"/v1/download/events/{jobId}?{query}"))
        {
            await ProblemAssert.IsProblemAsync(response, System.Net.HttpStatusCode.BadRequest, query);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/download/events/{jobId}");
        request.Headers.TryAddWithoutValidation("Last-Event-ID", query.Split('=')[1]);
        using var withHeader = await client.SendAsync(request);
        await ProblemAssert.IsProblemAsync(withHeader, System.Net.HttpStatusCode.BadRequest, $"Last-Event-ID {query}");
    }

    [Fact]
    public async Task A_plain_get_of_the_subscribe_url_is_a_problem_not_a_hang()
    {
        var client = Host.Client(TestData.NewOwner("plain-get"));
        var jobId = await client.StartJobAsync([70000]);
        using var response = await client.GetAsync($"/v1/download/subscribe/{jobId}");
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"answered {(int)response.StatusCode}");
        Assert.Equal(ProblemAssert.MediaType, response.Content.Headers.ContentType?.MediaType);
    }

    private static void AssertJoinedMidJob(string jobId, IReadOnlyList<ReceivedEvent> events, JsonElement statusBeforeJoining, string transcript)
    {
        EventStreamAssert.WellFormed(jobId, events, transcript);
        var snapshot = events[0];
        Assert.True(snapshot.Type == "snapshot", $"the first message must be a snapshot\n{transcript}");
        Assert.True(snapshot.Seq >= statusBeforeJoining.Long("seq"), $"the snapshot is older than the status read before joining ({statusBeforeJoining.Long("seq")})\n{transcript}");
        Assert.True(snapshot.Status == "processing", $"joined mid-job, the snapshot should say processing\n{transcript}");
        Assert.True(events.Count > 2, $"joined mid-job, there should be events after the snapshot\n{transcript}");
        Assert.All(events.Skip(1), e => Assert.True(e.Seq > snapshot.Seq, $"event {e.Seq} is not newer than the snapshot {snapshot.Seq}\n{transcript}"));
        Assert.All(events.Skip(1), e => Assert.True(e.Type != "snapshot", $"a second snapshot\n{transcript}"));
    }

    private static void AssertFinishedJobStream(string jobId, IReadOnlyList<ReceivedEvent> events, JsonElement done, string outcome, string transcript)
    {
        EventStreamAssert.WellFormed(jobId, events, transcript);
        Assert.True(events.Count == 2, $"a finished job should give exactly a snapshot and the terminal event\n{transcript}");
        Assert.Equal("snapshot", events[0].Type);
        Assert.Equal(outcome, events[0].Status);
        Assert.Equal(outcome, events[1].Type);
        Assert.Equal(outcome, events[1].Status);
        Assert.Equal(done.Long("seq"), events[1].Seq);
    }

    private static void AssertSseFields(IReadOnlyList<ReceivedEvent> events, string transcript)
    {
        foreach (var e in events)
        {
            Assert.True(e.SseId == e.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture), $"SSE id: should be the seq: {e}\n{transcript}");
            Assert.True(e.SseEvent is null || e.SseEvent == e.Type, $"SSE event: should be the type: {e}\n{transcript}");
        }
    }
}
