using System.Diagnostics;
using System.Net;

namespace Delineate.Cli.Tests;

/// <summary>
/// The clustered deployment (real Redis, s3rver for exports, one silo process, one gateway process):
/// the gateway is restarted on the same address while <c>delineate download</c> follows a job over
/// WebSocket (or SSE). The command must notice the drop, reconnect by itself, resume after the last seq it
/// printed (no event twice), and still save the whole archive. The silo, and so the job, keeps running.
/// </summary>
public sealed class CliGatewayRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan GracefulStop = TimeSpan.FromSeconds(5);

    private readonly string _clusterId = $"cli-{Guid.NewGuid():N}";
    private TestDirectory? _directory;
    private RedisServer? _redis;
    private S3Server? _s3;
    private SiloProcess? _silo;
    private ServiceProcess? _gateway;
    private ServiceProcess? _restartedGateway;
    private int _gatewayPort;

    public async Task InitializeAsync()
    {
        _directory = TestDirectory.Create("cli-gateway-restart");
        output.WriteLine($"logs: {_directory.Path}");
        _redis = await RedisServer.StartAsync(_directory);
        _s3 = await S3Server.StartAsync(_directory);
        _silo = await SiloProcess.StartAsync("silo", ClusterEnvironment(), _directory);
        _gatewayPort = FreePorts.Allocate();
        _gateway = await StartGatewayAsync("gateway");
    }

    public async Task DisposeAsync()
    {
        foreach (var process in new IAsyncDisposable?[] { _restartedGateway, _gateway, _silo, _s3, _redis })
        {
            if (process is not null)
            {
                await process.DisposeAsync();
            }
        }
        _directory?.Dispose();
    }

    [Theory]
    [InlineData("websocket")]
    [InlineData("sse")]
    public async Task Restarting_the_gateway_mid_job_resumes_without_repeats_and_still_saves_the_archive(string transport)
    {
        // 40 files, one at a time, 0.3–0.9 s each: about 24 s, so the job outlives the restart.
        var fileIds = Enumerable.Range(0, 40).Select(i => 70000 + (7 * i)).ToList();
        var archive = Path.Combine(_directory!.Path, "restart.zip");
        await using var run = CliRun.Start(_directory, "cli-restart",
            ["download", .. fileIds.Select(id => id.ToString()), "--server", $"http://127.0.0.1:{_gatewayPort}", "--out", archive, "--transport", transport]);

        await Poll.UntilAsync("the command to print progress of 5 files", TimeSpan.FromSeconds(60),
            _ => Task.FromResult(run.FilesDone() >= 5 || run.Process.HasExited), run.Describe);
        Assert.False(run.Process.HasExited, run.Describe());
        var doneBeforeRestart = run.FilesDone();

        var clock = Stopwatch.StartNew();
        var stoppedByItself = await _gateway!.Process.StopGracefullyAsync(GracefulStop);
        output.WriteLine($"gateway stopped {(stoppedByItself ? "by itself" : "by SIGKILL")} in {clock.Elapsed.TotalSeconds:F1} s at {doneBeforeRestart} files");
        await Poll.UntilAsync("the command to report the lost connection", TimeSpan.FromSeconds(30),
            _ => Task.FromResult(run.Lines().Any(line => line.StartsWith("connection lost", StringComparison.Ordinal))), run.Describe);
        _restartedGateway = await StartGatewayAsync("gateway-restarted");
        output.WriteLine($"gateway back {clock.Elapsed.TotalSeconds:F1} s after the stop began");

        await run.WaitForExitAsync(TimeSpan.FromSeconds(120));
        output.WriteLine(run.Describe());
        Assert.True(run.ExitCode == 0, run.Describe());

        var entries = ZipContents.Read(File.ReadAllBytes(archive));
        Assert.Equal(fileIds.Select(id => $"{id}.zip").Order(StringComparer.Ordinal), entries.Keys.Order(StringComparer.Ordinal));

        var lines = run.Lines();
        var lost = lines.ToList().FindIndex(line => line.StartsWith($"connection lost ({transport})", StringComparison.Ordinal));
        Assert.True(lost > 0, $"no lost {transport} connection reported:\n{run.Output}");
        Assert.Matches(@"resuming after seq \d+$", lines[lost]);
        Assert.Contains(lines.Skip(lost), line => line == $"connected over {transport}");
        // Events kept coming after the reconnect, and none came twice.
        Assert.Contains(lines.Skip(lost), line => line.StartsWith("seq ", StringComparison.Ordinal) && line.Contains(" progress processing/"));
        run.AssertEventsOnceInOrder();
        Assert.Contains($"saved {archive}: {fileIds.Count} files", run.Output);
    }

    private async Task<ServiceProcess> StartGatewayAsync(string name)
    {
        var environment = new Dictionary<string, string?>(ClusterEnvironment()) { ["DELINEATE_MODE"] = "clustered", ["ALLOW_ANONYMOUS"] = "true" };
        var gateway = await ServiceProcess.StartAsync(name, RepositoryLayout.GatewayDll, _gatewayPort, environment, _directory!);
        using var http = new HttpClient();
        await Poll.UntilAsync(
            $"{name} to reach the cluster (/health/ready 200)",
            ReadyTimeout,
            async ct =>
            {
                gateway.Process.ThrowIfExited();
                using var response = await http.GetAsync(new Uri(gateway.BaseAddress, "/health/ready"), ct);
                return response.StatusCode == HttpStatusCode.OK;
            },
            () => gateway.Process.Tail(),
            TimeSpan.FromMilliseconds(200));
        return gateway;
    }

    private Dictionary<string, string?> ClusterEnvironment() => new()
    {
        ["REDIS_HOST"] = "127.0.0.1",
        ["REDIS_PORT"] = _redis!.Port.ToString(),
        ["ORLEANS_CLUSTER_ID"] = _clusterId,
        ["ORLEANS_SERVICE_ID"] = _clusterId,
        ["FILE_SOURCE"] = "synthetic",
        ["BLOB_SIGNING_KEY"] = "cli-tests-signing-key-at-32-chars",
        ["S3_ENDPOINT"] = _s3!.Endpoint.ToString().TrimEnd('/'),
        ["S3_REGION"] = "us-east-1",
        ["S3_ACCESS_KEY_ID"] = "S3RVER",
        ["S3_SECRET_ACCESS_KEY"] = "S3RVER",
        ["S3_BUCKET_NAME"] = "downloads",
        ["S3_FORCE_PATH_STYLE"] = "true",
        ["DOWNLOAD_DELAY_ENABLED"] = "true",
        ["DOWNLOAD_DELAY_MIN_MS"] = "300",
        ["DOWNLOAD_DELAY_MAX_MS"] = "900",
        ["JOB_CONCURRENCY"] = "1",
        ["RATE_LIMIT_MAX_REQUESTS"] = "100000",
    };
}
