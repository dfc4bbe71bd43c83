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

    private async Task WakeAllAsync()
    {
        try
        {
            await Task.WhenAll(Enumerable.Range(0, IntakeShards.Count).Select(shard => grains.GetGrain<IIntakeShardGrain>(shard).GetCounts()));
        }
        catch (Exception ex)
        {
            // Their reminders bring them up anyway.
            logger.LogWarning(ex, "Not every intake shard could be woken at start");
        }
    }
}
