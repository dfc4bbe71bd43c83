using System.Diagnostics;

namespace Delineate.Testing;

/// <summary>Waits for a condition by asking again until a deadline; never a fixed sleep.</summary>
public static class Poll
{
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Calls <paramref name="probe"/> until it returns a non-null value or the deadline passes.
    /// Exceptions thrown by the probe count as "not yet" and are reported if the deadline passes.
    /// </summary>
    public static async Task<T> UntilAsync<T>(
        string what,
        TimeSpan timeout,
        Func<CancellationToken, Task<T?>> probe,
        Func<string>? diagnostics = null,
        TimeSpan? interval = null)
        where T : class
    {
        var clock = Stopwatch.StartNew();
        Exception? lastError = null;
        var attempts = 0;
        while (true)
        {
            attempts++;
            var remaining = timeout - clock.Elapsed;
            using var attemptTimeout = new CancellationTokenSource(remaining > TimeSpan.FromSeconds(1) ? remaining : TimeSpan.FromSeconds(1));
            try
            {
                var value = await probe(attemptTimeout.Token);
                if (value is not null)
                {
                    return value;
                }
            }
            catch (Exception ex) when (ex is not PollAbortedException)
            {
                lastError = ex;
            }

            if (clock.Elapsed >= timeout)
            {
                var message = $"Timed out after {clock.Elapsed.TotalSeconds:F1} s ({attempts} attempts) waiting for {what}.";
                if (lastError is not null)
                {
                    message += $"\nLast error: {lastError.GetType().Name}: {lastError.Message}";
                }

                if (diagnostics is not null)
                {
                    message += "\n" + diagnostics();
                }

                throw new TimeoutException(message);
            }

            await Task.Delay(interval ?? DefaultInterval);
        }
    }

    /// <summary>Calls <paramref name="condition"/> until it is true or the deadline passes.</summary>
    public static Task UntilAsync(
        string what,
        TimeSpan timeout,
        Func<CancellationToken, Task<bool>> condition,
        Func<string>? diagnostics = null,
        TimeSpan? interval = null) =>
        UntilAsync<object>(what, timeout, async ct => await condition(ct) ? new object() : null, diagnostics, interval);
}
