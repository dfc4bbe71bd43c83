using System.Net;
using System.Net.WebSockets;

namespace Delineate.Api.Tests;

/// <summary>One silo, two gateways: every gateway serves every job.</summary>
public sealed class TwoGatewayTests(TwoGatewayTests.Fixture fixture, ITestOutputHelper output) : IClassFixture<TwoGatewayTests.Fixture>
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(90);

    private ClusterHarness Cluster => fixture.Cluster;

    [Fact]
    public async Task A_job_initiated_through_one_gateway_is_followed_live_through_the_other_to_its_end()
    {
        var owner = TestData.NewOwner("two-gateways");
        var viaA = Cluster.Gateways[0].Client(owner);
        var viaB = Cluster.Gateways[1].Client(owner);
        int[] fileIds = [.. TestData.AvailableIds(80), 70001];

        output.WriteLine($"logs: {Cluster.Directory.Path}");
        var jobId = await viaA.StartJobAsync(fileIds);
        await using var socket = await EventSocket.ConnectAsync(viaB, jobId);
        await using var sse = await SseStream.OpenAsync(viaB, jobId);
        var first = await socket.ReceiveAsync(TimeSpan.FromSeconds(15));
        Assert.True(first?.Type == "snapshot", $"the first message through gateway B should be a snapshot\n{socket.Transcript}");
        Assert.True(!JobStatuses.IsTerminal(first!.Status), $"the job ended before B's client could follow it live; make it longer\n{socket.Transcript}");

        var events = await socket.ReadUntilClosedAsync(JobTimeout);
        var sseEvents = await sse.ReadToEndAsync(JobTimeout);
        output.WriteLine(socket.Transcript);
        EventStreamAssert.WellFormed(jobId, events, socket.Transcript);
        EventStreamAssert.WellFormed(jobId, sseEvents, sse.Transcript);
        Assert.True(events.Count > 10, $"B's client should have seen the job's progress live\n{socket.Transcript}");
        Assert.True(events.Skip(1).Any(e => e.Type == "progress"), $"no live progress through B\n{socket.Transcript}");
        Assert.Equal("completed", events[^1].Type);
        Assert.Equal("completed", sseEvents[^1].Type);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
        Assert.Equal(events[^1].Seq, sseEvents[^1].Seq);

        // Both gateways tell the same story, and B hands out the archive that A's job wrote to S3.
        var statusA = await viaA.StatusAsync(jobId);
        var statusB = await viaB.StatusAsync(jobId);
        Assert.Equal(statusA.Long("seq"), statusB.Long("seq"));
        Assert.Equal("completed", statusB.String("status"));
        Assert.Equal(80, statusB.Field("result").Long("successCount"));
        Assert.Equal(1, statusB.Field("result").Long("missingCount"));
        using var redirect = await viaB.GetAsync($"/v1/download/{jobId}");
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        using var archive = await viaB.GetAsync(redirect.Headers.Location!.IsAbsoluteUri ? redirect.Headers.Location : new Uri(Cluster.Gateways[1].BaseAddress, redirect.Headers.Location!));
        Assert.True(archive.StatusCode == HttpStatusCode.OK, $"the archive URL {redirect.Headers.Location} answered {(int)archive.StatusCode}");
        var entries = ZipContents.Read(await archive.Content.ReadAsByteArrayAsync());
        Assert.Equal(80, entries.Count);

        // Each file's own link, as gateway B hands it out, serves that file.
        foreach (var file in statusB.Array("files").Where(f => f.String("status") == "ready").Take(3))
        {
            var url = new Uri(Cluster.Gateways[1].BaseAddress, file.String("url"));
            using var download = await viaB.GetAsync(url);
            Assert.True(download.StatusCode == HttpStatusCode.OK, $"the url of file {file.Long("file_id")} ({url}) answered {(int)download.StatusCode}");
            var bytes = await download.Content.ReadAsByteArrayAsync();
            Assert.Equal(file.Long("size"), bytes.LongLength);
            Assert.Equal(entries[$"{file.Long("file_id")}.zip"], bytes);
        }

        // The job list is the same whichever gateway is asked.
        using var listB = await viaB.GetAsync("/v1/download/jobs");
        var jobs = JsonElementExtensions.ParseJson(await listB.Content.ReadAsStringAsync()).Array("jobs");
        Assert.Equal([jobId], jobs.Select(j => j.String("jobId")).ToArray());
    }

    [Fact]
    public async Task The_same_idempotency_key_through_both_gateways_at_once_is_one_job()
    {
        var owner = TestData.NewOwner("two-gateways-idem");
        var clients = new[] { Cluster.Gateways[0].Client(owner), Cluster.Gateways[1].Client(owner) };
        var key = Guid.NewGuid().ToString();
        var answers = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => clients[i % 2].InitiateAsync([70000, 70007], key)));
        Assert.Single(answers.Select(a => a.String("jobId")).Distinct());
        using var list = await clients[0].GetAsync("/v1/download/jobs");
        Assert.Single(JsonElementExtensions.ParseJson(await list.Content.ReadAsStringAsync()).Array("jobs"));
    }

    /// <summary>The cluster, with each gateway warmed up (a first job through each, followed through the other).</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private ClusterHarness? _cluster;

        public ClusterHarness Cluster => _cluster ?? throw new InvalidOperationException("Not started.");

        public async Task InitializeAsync()
        {
            _cluster = await ClusterHarness.StartAsync("api-two-gateways", silos: 1, gateways: 2);
            var owner = TestData.NewOwner("warm-up");
            for (var i = 0; i < 2; i++)
            {
                var initiating = _cluster.Gateways[i].Client(owner);
                var following = _cluster.Gateways[1 - i].Client(owner);
                var jobId = await initiating.StartJobAsync([70000]);
                await using var socket = await EventSocket.ConnectAsync(following, jobId);
                await socket.ReadUntilClosedAsync(JobTimeout);
            }
        }

        public async Task DisposeAsync()
        {
            if (_cluster is not null)
            {
                await _cluster.DisposeAsync();
            }
        }
    }
}
