using System.Net;
using System.Text;
using Delineate.Drills.Tests.Cluster;

namespace Delineate.Drills.Tests.Load;

/// <summary>
/// What a well-behaved client does against several gateways: each call goes to a gateway that is
/// up, and on no answer or a 503 it tries another after a short pause, within a deadline. Every
/// answer is counted in <see cref="Tally"/>.
/// </summary>
public sealed class DrillClient : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(12);
    private readonly DrillCluster _cluster;
    private int _roundRobin;

    public DrillClient(DrillCluster cluster)
    {
        _cluster = cluster;
        Http = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            // Connections to a killed gateway must not be reused for long.
            PooledConnectionLifetime = TimeSpan.FromSeconds(15),
            ConnectTimeout = TimeSpan.FromSeconds(3),
            MaxConnectionsPerServer = 256,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public HttpClient Http { get; }

    public HttpTally Tally { get; } = new();

    /// <summary>A running gateway, round robin; <paramref name="avoid"/> is skipped when another is up.</summary>
    public Uri? PickGateway(Uri? avoid = null)
    {
        var live = _cluster.LiveGateways;
        if (live.Count == 0)
        {
            return null;
        }

        var candidates = live.Where(g => g != avoid).ToList();
        if (candidates.Count == 0)
        {
            candidates = live.ToList();
        }

        return candidates[(int)((uint)Interlocked.Increment(ref _roundRobin) % candidates.Count)];
    }

    /// <summary>
    /// Initiates a job with an Idempotency-Key and retries (same key) until a 202 or the deadline;
    /// a retry after a lost answer must return the same job.
    /// </summary>
    public async Task<InitiateOutcome> InitiateAsync(IReadOnlyList<int> fileIds, string owner, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var key = Guid.NewGuid().ToString("N");
        var body = JsonSerializer.Serialize(new { file_ids = fileIds });
        var attempts = 0;
        var lastAnswer = "";
        string? firstJobId = null;
        var stop = DateTimeOffset.UtcNow + deadline;
        Uri? previous = null;
        while (DateTimeOffset.UtcNow < stop && !cancellationToken.IsCancellationRequested)
        {
            attempts++;
            var gateway = PickGateway(previous);
            previous = gateway;
            if (gateway is null)
            {
                await Task.Delay(500, cancellationToken);
                continue;
            }

            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, "/v1/download/initiate"))
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                request.Headers.Add("Idempotency-Key", key);
                request.Headers.Add("X-User-Id", owner);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(RequestTimeout);
                using var response = await Http.SendAsync(request, timeout.Token);
                var text = await response.Content.ReadAsStringAsync(timeout.Token);
                Tally.Record("/v1/download/initiate", (int)response.StatusCode, gateway.Authority, text);
                lastAnswer = $"{(int)response.StatusCode} {text}";
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    var jobId = JsonElementExtensions.ParseJson(text).String("jobId");
                    if (firstJobId is not null && firstJobId != jobId)
                    {
                        return new InitiateOutcome(jobId, key, attempts, lastAnswer, $"idempotent retry returned job {jobId}, an earlier answer said {firstJobId}");
                    }

                    return new InitiateOutcome(jobId, key, attempts, lastAnswer, null);
                }

                if ((int)response.StatusCode < 500 && response.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    return new InitiateOutcome(null, key, attempts, lastAnswer, $"initiate answered {lastAnswer}");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                Tally.Record("/v1/download/initiate", 0, gateway.Authority);
                lastAnswer = $"{ex.GetType().Name}: {ex.Message}";
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250 + Random.Shared.Next(500)), cancellationToken);
        }

        return new InitiateOutcome(null, key, attempts, lastAnswer, $"no 202 within {deadline.TotalSeconds:F0} s; last answer: {lastAnswer}");
    }

    /// <summary>GET the status once, from <paramref name="gateway"/> (or any); null and the code when it is not a 200.</summary>
    public async Task<(JsonElement? Status, int Code, Uri? Gateway)> TryGetStatusAsync(string jobId, string owner, Uri? gateway, CancellationToken cancellationToken)
    {
        gateway ??= PickGateway();
        if (gateway is null)
        {
            return (null, 0, null);
        }

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, $"/v1/download/status/{jobId}"));
            request.Headers.Add("X-User-Id", owner);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(RequestTimeout);
            using var response = await Http.SendAsync(request, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            Tally.Record("/v1/download/status/{id}", (int)response.StatusCode, gateway.Authority, text);
            return response.StatusCode == HttpStatusCode.OK
                ? (JsonElementExtensions.ParseJson(text), 200, gateway)
                : (null, (int)response.StatusCode, gateway);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Tally.Record("/v1/download/status/{id}", 0, gateway.Authority);
            return (null, 0, gateway);
        }
    }

    /// <summary>GET a gateway path (list, health…) once and count the answer.</summary>
    public async Task<int> GetAsync(Uri gateway, string pathAndQuery, string owner, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(gateway, pathAndQuery));
            request.Headers.Add("X-User-Id", owner);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(RequestTimeout);
            using var response = await Http.SendAsync(request, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            Tally.Record(HttpTally.RouteOf(pathAndQuery), (int)response.StatusCode, gateway.Authority, text);
            return (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || ex is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Tally.Record(HttpTally.RouteOf(pathAndQuery), 0, gateway.Authority);
            return 0;
        }
    }

    public void Dispose() => Http.Dispose();
}
