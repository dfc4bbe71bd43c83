using System.Net;
using System.Security.Cryptography;

namespace Delineate.EndToEnd.Tests;

/// <summary>
/// The test harness itself, against the real tools only (no Delineate process): if these fail,
/// the end-to-end failures are about the machine, not the product.
/// </summary>
public sealed class HarnessTests : IDisposable
{
    private readonly TestDirectory _directory = TestDirectory.Create("harness");

    [Fact]
    public async Task Redis_starts_on_a_free_port_and_answers_ping()
    {
        await using var redis = await RedisServer.StartAsync(_directory);
        Assert.True(await redis.PingAsync(CancellationToken.None));
    }

    [Fact]
    public async Task S3_keeps_its_objects_across_a_restart_and_the_proxy_forwards_them_byte_for_byte()
    {
        await using var s3 = await S3Server.StartAsync(_directory);
        await using var proxy = await CountingS3Proxy.StartAsync(s3.Endpoint, "a", "b");
        using var http = new HttpClient();
        var body = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);

        using (var bucket = await http.PutAsync(new Uri(proxy.EndpointFor("a"), "/harness"), null))
        {
            Assert.Equal(HttpStatusCode.OK, bucket.StatusCode);
        }

        using (var put = await http.PutAsync(new Uri(proxy.EndpointFor("a"), "/harness/downloads/70000.zip"), new ByteArrayContent(body)))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        await s3.StopAsync();
        await s3.StartAsync();

        using (var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, new Uri(proxy.EndpointFor("b"), "/harness/downloads/70000.zip"))))
        {
            Assert.Equal(HttpStatusCode.OK, head.StatusCode);
            Assert.Equal(body.Length, head.Content.Headers.ContentLength);
        }

        Assert.Equal(body, await http.GetByteArrayAsync(new Uri(proxy.EndpointFor("b"), "/harness/downloads/70000.zip")));
        Assert.Equal(body, await http.GetByteArrayAsync(s3.ObjectUri("harness", "downloads/70000.zip")));

        var requests = proxy.Requests.Select(r => $"{r.Client} {r.Method} {r.Path}").ToList();
        Assert.Equal(
            ["a PUT /harness", "a PUT /harness/downloads/70000.zip", "b HEAD /harness/downloads/70000.zip", "b GET /harness/downloads/70000.zip"],
            requests);
    }

    [Fact]
    public async Task A_managed_process_stops_on_sigterm_and_is_killed_when_it_ignores_it()
    {
        await using var polite = ManagedProcess.Start(
            "polite", "sleep", ["600"], new Dictionary<string, string?>(), _directory.LogFile("polite"));
        Assert.True(await polite.StopGracefullyAsync(TimeSpan.FromSeconds(10)));
        Assert.True(polite.HasExited);

        await using var stubborn = ManagedProcess.Start(
            "stubborn", "bash", ["-c", "trap '' TERM; echo ready; while true; do sleep 0.1; done"],
            new Dictionary<string, string?>(), _directory.LogFile("stubborn"));
        await Poll.UntilAsync("the stubborn script to start", TimeSpan.FromSeconds(10), _ => Task.FromResult(stubborn.Tail().Contains("ready")));
        Assert.False(await stubborn.StopGracefullyAsync(TimeSpan.FromMilliseconds(500)));
        Assert.True(stubborn.HasExited);
    }

    public void Dispose() => _directory.Dispose();
}
