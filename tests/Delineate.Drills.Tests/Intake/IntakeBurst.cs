using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Delineate.Drills.Tests.Load;

namespace Delineate.Drills.Tests.Intake;

/// <summary>
/// A burst of initiates as fast as a fixed number of connections allows: each worker takes the next
/// job, sends <c>POST /v1/download/initiate</c> with its own Idempotency-Key and retries it (same key)
/// after a 503 or 429 as the answer's Retry-After says, or after no answer, until a 202 or a definite
/// 4xx. Every single answer is kept (<see cref="Answers"/>) with when it was sent and answered, so a
/// test can tell what was answered before and after a fault, and whether each 503 carried Retry-After.
/// Milestones start faults once a given number of initiates were sent; the burst does not wait for them.
/// </summary>
public sealed class IntakeBurst(DrillClient client, Action<string> log)
{
    public const string Route = "/v1/download/initiate";
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan InitiateDeadline = TimeSpan.FromSeconds(90);

    /// <summary>Longest wait honoured from a Retry-After (a wrong header must not stall the test for minutes).</summary>
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(10);

    private readonly ConcurrentQueue<InitiateAnswer> _answers = new();
    private readonly ConcurrentQueue<(BurstMilestone Milestone, Task Run)> _started = new();
    private int _sent;

    public IReadOnlyList<InitiateAnswer> Answers => _answers.ToArray();

    /// <summary>Initiates sent for the first time so far (retries not counted).</summary>
    public int Sent => Volatile.Read(ref _sent);

    /// <summary>Milestones that failed, by name.</summary>
    public ConcurrentDictionary<string, Exception> MilestoneErrors { get; } = new();

    /// <summary>
    /// Sends every job's initiate over <paramref name="connections"/> workers, at most
    /// <paramref name="perSecond"/> a second (initiate i no earlier than i / perSecond after the start,
    /// so the faults land while initiates are still being sent, however fast they are answered);
    /// returns when each has an outcome and every milestone ended.
    /// </summary>
    public async Task RunAsync(IReadOnlyList<JobRecord> jobs, int connections, IReadOnlyList<BurstMilestone> milestones, double perSecond = double.PositiveInfinity)
    {
        var next = -1;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var workers = Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) is var i && i < jobs.Count)
            {
                var due = TimeSpan.FromSeconds(i / perSecond) - clock.Elapsed;
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due); // the schedule of the load, not a wait for a condition
                }
                var sent = Interlocked.Increment(ref _sent);
                foreach (var milestone in milestones.Where(m => m.AfterSent == sent))
                {
                    log($"{sent} initiates sent: {milestone.Name}");
                    _started.Enqueue((milestone, Task.Run(milestone.Action)));
                }

                await InitiateAsync(jobs[i]);
            }
        })).ToList();
        await Task.WhenAll(workers);
        foreach (var (milestone, run) in _started)
        {
            try
            {
                await run;
            }
            catch (Exception ex)
            {
                MilestoneErrors[milestone.Name] = ex;
            }
        }
    }

    private async Task InitiateAsync(JobRecord job)
    {
        var key = Guid.NewGuid().ToString("N");
        var body = JsonSerializer.Serialize(new { file_ids = job.FileIds });
        var attempts = 0;
        var last = "";
        job.InitiatedAt = DateTimeOffset.UtcNow;
        var stop = job.InitiatedAt.Value + InitiateDeadline;
        while (DateTimeOffset.UtcNow < stop)
        {
            attempts++;
            var gateway = client.PickGateway();
            if (gateway is null)
            {
                await Task.Delay(500);
                continue;
            }

            TimeSpan pause;
            var sentAt = DateTimeOffset.UtcNow;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(gateway, Route))
                {
                    Content = new StringContent(body, Encoding.UTF8, "application/json"),
                };
                request.Headers.Add("Idempotency-Key", key);
                request.Headers.Add("X-User-Id", job.Owner);
                using var timeout = new CancellationTokenSource(RequestTimeout);
                using var response = await client.Http.SendAsync(request, timeout.Token);
                var text = await response.Content.ReadAsStringAsync(timeout.Token);
                var code = (int)response.StatusCode;
                var rawRetryAfter = response.Headers.TryGetValues("Retry-After", out var values) ? string.Join(",", values) : null;
                var retryAfter = response.Headers.RetryAfter switch
                {
                    { Delta: { } delta } => delta,
                    { Date: { } date } => date - DateTimeOffset.UtcNow,
                    _ => (TimeSpan?)null,
                };
                client.Tally.Record(Route, code, gateway.Authority, text);
                _answers.Enqueue(new InitiateAnswer(job.Index, sentAt, DateTimeOffset.UtcNow, code, rawRetryAfter, retryAfter, Truncate(text)));
                last = $"{code} {Truncate(text)}";
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    job.Initiate = new InitiateOutcome(JsonElementExtensions.ParseJson(text).String("jobId"), key, attempts, last, null);
                    return;
                }

                if (code < 500 && response.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    job.Initiate = new InitiateOutcome(null, key, attempts, last, $"initiate answered {last}");
                    return;
                }

                // 503 and 429 say when to come back; any other 5xx is a failure of the test, retried all the same.
                pause = retryAfter is { } wait ? TimeSpan.FromTicks(Math.Clamp(wait.Ticks, 0, MaxRetryAfter.Ticks)) : TimeSpan.FromSeconds(1);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
            {
                client.Tally.Record(Route, 0, gateway.Authority);
                _answers.Enqueue(new InitiateAnswer(job.Index, sentAt, DateTimeOffset.UtcNow, 0, null, null, $"{ex.GetType().Name}: {ex.Message}"));
                last = $"no answer: {ex.GetType().Name}: {ex.Message}";
                pause = TimeSpan.FromMilliseconds(500);
            }

            await Task.Delay(pause + TimeSpan.FromMilliseconds(Random.Shared.Next(250)));
        }

        job.Initiate = new InitiateOutcome(null, key, attempts, last, $"no 202 within {InitiateDeadline.TotalSeconds:F0} s; last answer: {last}");
    }

    private static string? Truncate(string? text) => text is null ? null : text.Length <= 300 ? text : text[..300] + "…";
}
