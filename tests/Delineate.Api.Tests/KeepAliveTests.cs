using System.Net.WebSockets;

namespace Delineate.Api.Tests;

/// <summary>
/// Through a job's quiet stretches (files of 4–5 s), SSE sends <c>:</c> comment lines and the
/// WebSocket sends nothing but events (its keep-alive is ping frames, never text).
/// </summary>
[Collection(SlowFilesGatewayCollection.Name)]
public sealed class KeepAliveTests(SlowFilesGatewayFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Quiet_streams_are_kept_alive_with_sse_comments_and_no_websocket_text()
    {
        var client = fixture.Host.Client(TestData.NewOwner("keep-alive"));
        var jobId = await client.StartJobAsync([70000, 70007]);
        await using var stream = await SseStream.OpenAsync(client, jobId);
        await using var socket = await EventSocket.ConnectAsync(client, jobId);

        var overSse = await stream.ReadToEndAsync(TimeSpan.FromSeconds(60));
        var overSocket = await socket.ReadUntilClosedAsync(TimeSpan.FromSeconds(30));
        output.WriteLine($"comments: {string.Join(" | ", stream.Comments)}");
        output.WriteLine(stream.Transcript);
        output.WriteLine(socket.Transcript);

        Assert.True(stream.Comments.Count > 0, $"no SSE keep-alive comment through a quiet stretch of 4 s or more\n{stream.Transcript}");
        EventStreamAssert.WellFormed(jobId, overSse, stream.Transcript);
        EventStreamAssert.WellFormed(jobId, overSocket, socket.Transcript);
        Assert.Equal("completed", overSocket[^1].Type);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, socket.CloseStatus);
    }
}
