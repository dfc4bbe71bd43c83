using Delineate.Client;

namespace Delineate.Cli.Tests;

/// <summary>The typed client (<c>src/Client</c>) against a real embedded gateway.</summary>
public sealed class ClientTests(EmbeddedGateway service) : IClassFixture<EmbeddedGateway>
{
    private DelineateClient Client(string user) => new(new DelineateClientOptions { BaseAddress = service.Gateway.BaseAddress, UserId = user });

    [Theory]
    [InlineData(JobEventTransport.WebSocket)]
    [InlineData(JobEventTransport.ServerSentEvents)]
    [InlineData(JobEventTransport.Polling)]
    public async Task Watch_yields_each_event_once_in_seq_order_until_the_terminal_event(JobEventTransport transport)
    {
        using var client = Client($"client-{Guid.NewGuid():N}");
        var job = await client.InitiateAsync([70000, 70007, 10001]);
        var connections = new List<ConnectionChange>();

        var events = await CollectAsync(client.WatchAsync(job.JobId, new WatchOptions { Transport = transport, ConnectionChanged = connections.Add }));

        Assert.True(events.Count >= 1, "no event");
        Assert.True(events.Zip(events.Skip(1)).All(pair => pair.Second.Seq > pair.First.Seq || (pair.Second.IsTerminal && pair.Second.Seq == pair.First.Seq)),
            $"seqs: {string.Join(',', events.Select(e => $"{e.Type}:{e.Seq}"))}");
        Assert.True(events.Zip(events.Skip(1)).All(pair => pair.Second.Progress >= pair.First.Progress), "progress went back");
        Assert.Equal(JobEventType.Completed, events[^1].Type);
        Assert.Single(events, e => e.IsTerminal);
        Assert.Equal(job.JobId, events[^1].JobId);
        Assert.Equal((3, 1), (events[^1].FilesDone, events[^1].FilesMissing));
        Assert.Equal(new ConnectionChange(transport, ConnectionState.Connected, null, null), connections[0]);
    }

    [Fact]
    public async Task Watch_after_a_seq_yields_only_newer_events()
    {
        using var client = Client($"client-{Guid.NewGuid():N}");
        var job = await client.InitiateAsync([70014, 70021, 70028, 70035]);
        var all = await CollectAsync(client.WatchAsync(job.JobId));
        var middle = all[all.Count / 2].Seq;

        var resumed = await CollectAsync(client.WatchAsync(job.JobId, new WatchOptions { After = middle }));

        Assert.All(resumed, e => Assert.True(e.Seq > middle || e.IsTerminal, $"seq {e.Seq} is not after {middle}"));
        Assert.Equal(JobEventType.Completed, resumed[^1].Type);
        Assert.Equal(all.Where(e => e.Seq > middle && !e.IsTerminal).Select(e => e.Seq), resumed.Where(e => !e.IsTerminal).Select(e => e.Seq));
    }

    [Fact]
    public async Task Status_list_and_download_give_the_finished_job_and_its_archive()
    {
        var user = $"client-{Guid.NewGuid():N}";
        using var client = Client(user);
        var job = await client.InitiateAsync([70042, 10004, 70049]);
        await CollectAsync(client.WatchAsync(job.JobId));

        var state = await client.GetStatusAsync(job.JobId);
        Assert.Equal(JobStatus.Completed, state.Status);
        Assert.Equal(new[] { 70042, 10004, 70049 }, state.Files.Select(f => f.FileId));
        Assert.Equal(new[] { FileStatus.Ready, FileStatus.Missing, FileStatus.Ready }, state.Files.Select(f => f.Status));
        Assert.Equal((2, 1, 0), (state.Result!.SuccessCount, state.Result.MissingCount, state.Result.FailedCount));

        var page = await client.ListAsync();
        Assert.Equal(job.JobId, Assert.Single(page.Jobs).JobId);

        using var archive = new MemoryStream();
        var length = await client.DownloadAsync(job.JobId, archive);
        Assert.Equal(archive.Length, length);
        Assert.Equal(new[] { "70042.zip", "70049.zip" }, ZipContents.Read(archive.ToArray()).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Problems_are_typed_exceptions_naming_the_field()
    {
        using var client = Client($"client-{Guid.NewGuid():N}");

        var invalid = await Assert.ThrowsAsync<DelineateProblemException>(() => client.InitiateAsync([5]));
        Assert.Equal(400, invalid.Status);
        Assert.Contains("file_ids", invalid.Errors.Keys);
        Assert.NotNull(invalid.RequestId);

        var job = await client.InitiateAsync([70056]);
        using var stranger = Client($"client-{Guid.NewGuid():N}");
        var notYours = await Assert.ThrowsAsync<DelineateProblemException>(() => stranger.GetStatusAsync(job.JobId));
        Assert.Equal((404, "Job not found"), (notYours.Status, notYours.Title));
        await Assert.ThrowsAsync<DelineateProblemException>(() => CollectAsync(stranger.WatchAsync(job.JobId)));
    }

    [Fact]
    public async Task An_unreachable_server_is_a_connection_exception()
    {
        var closed = new Uri($"http://127.0.0.1:{FreePorts.Allocate()}");
        using var client = new DelineateClient(new DelineateClientOptions { BaseAddress = closed });

        var error = await Assert.ThrowsAsync<DelineateConnectionException>(() => client.InitiateAsync([70000]));
        Assert.Contains(closed.GetLeftPart(UriPartial.Authority), error.Message);
    }

    private static async Task<List<JobEvent>> CollectAsync(IAsyncEnumerable<JobEvent> events)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var list = new List<JobEvent>();
        await foreach (var e in events.WithCancellation(deadline.Token))
        {
            list.Add(e);
        }
        return list;
    }
}
