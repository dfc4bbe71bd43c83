using Delineate.Abstractions;
using Microsoft.Extensions.Logging;

namespace Delineate.Grains.Intake;

/// <summary>
/// Wakes every intake shard when a silo becomes active. A shard first activates on a hand-over or
/// its reminder; jobs accepted while no silo ran (the gateway only needs Redis) have neither yet.
/// </summary>
public sealed class IntakeShardStarter(IGrainFactory grains, ILogger<IntakeShardStarter> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(IntakeShardStarter), ServiceLifecycleStage.Active, OnActive, _ => Task.CompletedTask);

    private Task OnActive(CancellationToken cancellationToken)
    {
        _ = WakeAllAsync();
        return Task.CompletedTask;
    }

    /// <summary>
    /// A shard whose last activation lived on a silo that just died answers only once the death is
    /// declared: the ones that fail are tried again, a few times.
    /// </summary>
    private async Task WakeAllAsync()
    {
        var waiting = Enumerable.Range(0, IntakeShards.Count).ToList();
        for (var attempt = 1; attempt <= 10 && waiting.Count > 0; attempt++)
        {
            var results = await Task.WhenAll(waiting.Select(async shard =>
            {
                try
                {
                    await grains.GetGrain<IIntakeShardGrain>(shard).GetCounts();
                    return -1;
                }
                catch (Exception)
                {
                    return shard;
                }
            }));
            waiting = results.Where(shard => shard >= 0).ToList();
            if (waiting.Count > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt));
            }
        }
        if (waiting.Count > 0)
        {
            // Their reminders bring them up anyway.
            logger.LogWarning("Intake shards {Shards} could not be woken at start", string.Join(", ", waiting));
        }
    }
}
