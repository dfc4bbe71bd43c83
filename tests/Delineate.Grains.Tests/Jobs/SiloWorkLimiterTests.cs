using Delineate.Grains.Jobs;
using Delineate.Grains.Options;

namespace Delineate.Grains.Tests.Jobs;

public sealed class SiloWorkLimiterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Slots_are_bounded_and_a_waiter_gets_the_next_released_one()
    {
        using var limiter = Limiter(2);
        var first = await limiter.AcquireAsync(CancellationToken.None);
        var second = await limiter.AcquireAsync(CancellationToken.None);
        Assert.Equal(0, limiter.Available);

        var third = limiter.AcquireAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);
        first.Dispose();

        using var granted = await third.WaitAsync(Timeout);
        Assert.Equal(0, limiter.Available);
        second.Dispose();
        Assert.Equal(1, limiter.Available);
    }

    [Fact]
    public async Task Releasing_a_slot_twice_frees_it_once()
    {
        using var limiter = Limiter(2);
        var slot = await limiter.AcquireAsync(CancellationToken.None);

        slot.Dispose();
        slot.Dispose();

        Assert.Equal(2, limiter.Available);
    }

    [Fact]
    public async Task A_cancelled_waiter_takes_no_slot()
    {
        using var limiter = Limiter(1);
        using var held = await limiter.AcquireAsync(CancellationToken.None);
        using var cancel = new CancellationTokenSource();

        var waiting = limiter.AcquireAsync(cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Timeout));
        held.Dispose();
        Assert.Equal(1, limiter.Available);
    }

    private static SiloWorkLimiter Limiter(int slots) =>
        new(Microsoft.Extensions.Options.Options.Create(new JobOptions { SiloConcurrency = slots }));
}
