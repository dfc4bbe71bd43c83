using System.Net;
using Delineate.Drills.Tests.Cluster;
using Delineate.Drills.Tests.Load;
using Delineate.Drills.Tests.Verification;
using Xunit.Sdk;

namespace Delineate.Drills.Tests.Regressions;

/// <summary>
/// One small cluster (2 silos, 2 gateways, Redis with AOF, s3rver behind a fault proxy) shared by
/// the focused tests written for bugs the drills found. Each test breaks one thing; <see cref="ResetAsync"/>
/// puts everything back before the next.
/// </summary>
public sealed class RegressionCluster : IAsyncLifetime
{
    public const int MaxAttempts = 4;
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private readonly List<string> _log = [];
    private HttpClient? _direct;

    public DrillCluster Cluster { get; private set; } = null!;

    public DrillClient Client { get; private set; } = null!;

    public JobVerifier Verifier { get; private set; } = null!;

    public FaultyS3Proxy S3Proxy => Cluster.S3Proxy!;

    public static DrillClusterOptions Options => new()
    {
        Silos = 2,
        Gateways = 2,
        S3Proxy = true,
        JobConcurrency = 2,
        MaxAttempts = MaxAttempts,
        RetryBaseDelayMs = 200,
        DelayMinMs = 200,
        DelayMaxMs = 400,
        TimeoutMs = 90_000,
    };

    public async Task InitializeAsync()
    {
        Cluster = await DrillCluster.StartAsync("regressions", Options, _log.Add);
        Client = new DrillClient(Cluster);
        _direct = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        Verifier = new JobVerifier(new SourceObjects(Cluster.S3, DrillCluster.Bucket, _direct), _direct, MaxAttempts, TimeSpan.FromMilliseconds(Options.TimeoutMs));
    }

    /// <summary>Everything running and ready again; injected S3 faults cleared by using them up is the test's business.</summary>
    public async Task ResetAsync(ITestOutputHelper output)
    {
        foreach (var line in _log)
        {
            output.WriteLine(line);
        }

        _log.Clear();
        if (!Cluster.Redis.IsRunning)
        {
            await Cluster.Redis.StartAsync();
        }

        await RedisAclFault.AllowAllAsync(Cluster.Redis.Port);
        if (!Cluster.S3.IsRunning)
        {
            await Cluster.S3.StartAsync();
        }

        await Task.WhenAll(Cluster.AllServices.Select(async slot =>
        {
            if (!slot.IsUp)
            {
                await Cluster.StartServiceAsync(slot);
            }

            await Cluster.WaitUntilReadyAsync(slot, ReadyTimeout);
        }));
        output.WriteLine($"cluster ready: {string.Join(", ", Cluster.AllServices)}; logs in {Cluster.Directory.Path}");
    }

    /// <summary><paramref name="count"/> existing files (multiples of 7 from 70000, starting at <paramref name="offset"/>) and one missing one.</summary>
    public static IReadOnlyList<int> Files(int count, int offset = 0) =>
        Enumerable.Range(offset, count).Select(i => 70_000 + (7 * i)).Append(70_001 + (7 * offset)).ToList();

    /// <summary>Initiates through <paramref name="gateway"/> (or any) and asserts a 202.</summary>
    public async Task<JobRecord> InitiateAsync(IReadOnlyList<int> fileIds, string owner = "regression", FollowMode follow = FollowMode.Poll)
    {
        var job = new JobRecord(0, fileIds, owner, follow) { InitiatedAt = DateTimeOffset.UtcNow };
        job.Initiate = await Client.InitiateAsync(fileIds, owner, TimeSpan.FromSeconds(30), CancellationToken.None);
        if (!job.Accepted)
        {
            throw new XunitException($"initiate was not accepted: {job.Initiate.Problem}\n{Cluster.Diagnostics()}");
        }

        return job;
    }

    /// <summary>Polls the status (any gateway) until <paramref name="condition"/> holds.</summary>
    public async Task<JsonElement> WaitForStatusAsync(JobRecord job, string what, Func<JsonElement, bool> condition, TimeSpan timeout)
    {
        JsonElement? last = null;
        var found = await Poll.UntilAsync<object>(
            $"job {job.JobId}: {what}",
            timeout,
            async ct =>
            {
                var (status, _, _) = await Client.TryGetStatusAsync(job.JobId!, job.Owner, null, ct);
                if (status is { } s)
                {
                    last = s;
                    job.LastStatus = s;
                    return condition(s) ? s : null;
                }

                return null;
            },
            () => $"last status: {last?.GetRawText() ?? "none"}\n{Cluster.Diagnostics(15)}",
            TimeSpan.FromMilliseconds(200));
        return (JsonElement)found;
    }

    public Task<JsonElement> WaitForTerminalAsync(JobRecord job, TimeSpan timeout) =>
        WaitForStatusAsync(job, "a terminal status", s => JobStatuses.IsTerminal(s.String("status")), timeout);

    /// <summary>Asserts the job completed with every existing file ready and an archive that matches the source.</summary>
    public async Task AssertCompletedCleanAsync(JobRecord job, JsonElement status)
    {
        var verdict = await Verifier.VerifyAsync(job, status);
        var failedFiles = verdict.FilesByStatus.GetValueOrDefault("failed");
        Assert.True(
            verdict.Status == JobStatuses.Completed && failedFiles == 0 && verdict.Problems.Count == 0 && verdict.ArchiveVerified,
            $"job {job.JobId} should have completed with every file ready or missing and a verified archive; it is {verdict.Status} " +
            $"(error: {verdict.Error ?? "none"}), files {JsonSerializer.Serialize(verdict.FilesByStatus)}, problems: {string.Join("; ", verdict.Problems)}\n" +
            $"status: {status.GetRawText()}");
    }

    /// <summary>The gateway's answer to a request, read fully.</summary>
    public async Task<(HttpStatusCode Code, string Body, HttpResponseMessage Response)> SendAsync(HttpRequestMessage request)
    {
        var response = await Client.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        _direct?.Dispose();
        if (Cluster is not null)
        {
            await Cluster.DisposeAsync();
        }
    }
}
