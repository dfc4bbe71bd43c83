using Delineate.Client;

namespace Delineate.Testing;

/// <summary>Waiting on a job through the typed client (<c>src/Client</c>), with a deadline.</summary>
public static class TypedClientExtensions
{
    /// <summary>A client of <paramref name="gateway"/> for <paramref name="user"/> (X-User-Id) or <paramref name="apiKey"/> (X-API-Key).</summary>
    public static DelineateClient ClientFor(Uri gateway, string? user = null, string? apiKey = null) =>
        new(new DelineateClientOptions { BaseAddress = gateway, UserId = user, ApiKey = apiKey });

    /// <summary>Every event <see cref="DelineateClient.WatchAsync"/> yields until the job's terminal event.</summary>
    public static async Task<List<JobEvent>> WatchToEndAsync(this DelineateClient client, Guid jobId, TimeSpan timeout, WatchOptions? options = null)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var events = new List<JobEvent>();
        try
        {
            await foreach (var e in client.WatchAsync(jobId, options, deadline.Token))
            {
                events.Add(e);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"job {jobId} did not finish within {timeout.TotalSeconds:F0} s; events: {string.Join(", ", events.Select(e => $"{e.Seq} {e.Type}"))}");
        }
        return events;
    }

    /// <summary>Follows the job to its end and returns its final status.</summary>
    public static async Task<JobState> WaitForTerminalAsync(this DelineateClient client, Guid jobId, TimeSpan timeout)
    {
        await client.WatchToEndAsync(jobId, timeout);
        var state = await client.GetStatusAsync(jobId);
        Assert.True(state.Status.IsTerminal(), $"job {jobId} ended its events but its status is {state.Status}");
        return state;
    }
}
