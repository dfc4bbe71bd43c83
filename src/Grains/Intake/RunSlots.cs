using Delineate.Abstractions;
using Delineate.Grains.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Delineate.Grains.Intake;

/// <summary>
/// This silo's run slots (<c>SILO_MAX_RUNNING_JOBS</c>): the intake shards on the silo take one per job
/// they admit and give it back when the job finishes. A shard that found none waits in line and is
/// told, in turn, when one frees. Once the silo stops, no slot is given out: a job admitted then
/// could only fail to be placed (its jobs wait, stored, for the next silo).
/// </summary>
public sealed class RunSlots(IOptions<JobOptions> options, IGrainFactory grains, IHostApplicationLifetime lifetime)
{
    private readonly CancellationToken _stopping = lifetime.ApplicationStopping;

    private readonly Lock _lock = new();
    private readonly Queue<long> _waiting = new();
    private readonly HashSet<long> _waitingSet = [];
    private int _running;

    public int Limit { get; } = options.Value.SiloMaxRunningJobs;

    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _running;
            }
        }
    }

    /// <summary>Takes a slot; when there is none, <paramref name="shard"/> is told when one frees.</summary>
    public bool TryTake(long shard)
    {
        lock (_lock)
        {
            if (_stopping.IsCancellationRequested)
            {
                return false;
            }
            if (_running < Limit)
            {
                _running++;
                return true;
            }
            if (_waitingSet.Add(shard))
            {
                _waiting.Enqueue(shard);
            }
            return false;
        }
    }

    /// <summary>Counts a job that already runs (a shard taking over after its silo died), even above the limit.</summary>
    public void Occupy()
    {
        lock (_lock)
        {
            _running++;
        }
    }

    public void Release()
    {
        long? next = null;
        lock (_lock)
        {
            _running = Math.Max(0, _running - 1);
            if (_waiting.TryDequeue(out var shard))
            {
                _waitingSet.Remove(shard);
                next = shard;
            }
        }
        if (next is { } waiting && !_stopping.IsCancellationRequested)
        {
            grains.GetGrain<IIntakeShardGrain>(waiting).Pump().Ignore();
        }
    }
}
