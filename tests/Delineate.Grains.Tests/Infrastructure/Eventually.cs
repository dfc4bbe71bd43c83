namespace Delineate.Grains.Tests.Infrastructure;

/// <summary>Polls a condition until it holds or a deadline passes; never a fixed sleep.</summary>
public static class Eventually
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25);

    public static async Task<T> Until<T>(Func<Task<T>> probe, Func<T, bool> holds, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var value = await probe();
            if (holds(value))
            {
                return value;
            }
            if (DateTime.UtcNow >= deadline)
            {
                throw new TimeoutException($"Not within {timeout.TotalSeconds:0.#} s: {what}.");
            }
            await Task.Delay(Interval);
        }
    }

    public static Task Until(Func<bool> holds, TimeSpan timeout, string what) =>
        Until(() => Task.FromResult(holds()), ok => ok, timeout, what);
}
