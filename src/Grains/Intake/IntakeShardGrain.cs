using Delineate.Abstractions;
using Delineate.Grains.Options;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Timers;

namespace Delineate.Grains.Intake;

/// <summary>
/// Admits one shard's accepted jobs. It holds only ids and owners in memory (a queue per owner, taken
/// round robin), asks its silo's <see cref="RunSlots"/> for a slot per job and calls the job's
/// <c>Admit</c>. Reentrant: accepts, finishes and pumps interleave; the queues change only between
/// awaits. Its one reminder reloads what the store says is unfinished (after a silo died, or a hand-over
/// was lost), re-drives admitted jobs and removes finished ones whose retention ended.
/// </summary>
[Reentrant, Orleans.Dashboard.NoProfiling]
public sealed class IntakeShardGrain(
    IJobStore store,
    RunSlots slots,
    IOptions<JobOptions> options,
    TimeProvider time,
    ILogger<IntakeShardGrain> logger) : Grain, IIntakeShardGrain, IRemindable
{
    private const string ReminderName = "intake";
    private const int AdmitBatch = 64;
    private const int RetentionBatch = 256;

    private readonly Dictionary<string, Queue<Guid>> _queues = new(StringComparer.Ordinal);
    private readonly Queue<string> _owners = new();
    private readonly Dictionary<Guid, string> _queued = [];
    private readonly Dictionary<Guid, string> _running = [];
    private bool _pumping;
    private bool _repump;
    private IGrainTimer? _retry;
    private IGrainTimer? _reminderRetry;

    private int Shard => (int)this.GetPrimaryKeyLong();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await EnsureReminderAsync();
        await ReloadAsync();
    }

    /// <summary>
    /// The reminder is what brings the shard back after its silo dies: when it cannot be registered
    /// (Redis restarting), a timer tries again every few seconds until it is.
    /// </summary>
    private async Task EnsureReminderAsync()
    {
        try
        {
            await this.RegisterOrUpdateReminder(ReminderName, options.Value.ReminderPeriod, options.Value.ReminderPeriod);
            _reminderRetry?.Dispose();
            _reminderRetry = null;
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Intake shard {Shard} could not register its reminder yet; retrying", Shard);
            _reminderRetry ??= this.RegisterGrainTimer(static shard => shard.EnsureReminderAsync(), this,
                new GrainTimerCreationOptions { DueTime = TimeSpan.FromSeconds(2), Period = TimeSpan.FromSeconds(5), Interleave = true, KeepAlive = true });
        }
    }

    public Task Accepted(IReadOnlyList<QueuedJob> jobs)
    {
        foreach (var job in jobs)
        {
            Enqueue(job.JobId, job.Owner);
        }
        return PumpAsync();
    }

    public Task Finished(Guid jobId)
    {
        if (_running.Remove(jobId))
        {
            slots.Release();
        }
        // A job cancelled while queued is skipped when its turn comes.
        _queued.Remove(jobId);
        return PumpAsync();
    }

    public Task Pump() => PumpAsync();

    public Task<ShardCounts> GetCounts() => Task.FromResult(new ShardCounts { Queued = _queued.Count, Running = _running.Count });

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        await ReloadAsync();
        await SweepRetentionAsync();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // The slots this shard holds go with it; a successor counts its admitted jobs again.
        foreach (var _ in _running)
        {
            slots.Release();
        }
        _running.Clear();
        return Task.CompletedTask;
    }

    private void Enqueue(Guid jobId, string owner)
    {
        if (_running.ContainsKey(jobId) || !_queued.TryAdd(jobId, owner))
        {
            return;
        }
        if (!_queues.TryGetValue(owner, out var queue))
        {
            _queues[owner] = queue = new Queue<Guid>();
        }
        if (queue.Count == 0)
        {
            _owners.Enqueue(owner);
        }
        queue.Enqueue(jobId);
    }

    /// <summary>The next queued job, one owner after another.</summary>
    private bool TryDequeue(out Guid jobId, out string owner)
    {
        while (_owners.TryDequeue(out owner!))
        {
            var queue = _queues[owner];
            while (queue.TryDequeue(out jobId))
            {
                if (_queued.Remove(jobId))
                {
                    if (queue.Count > 0)
                    {
                        _owners.Enqueue(owner);
                    }
                    else
                    {
                        _queues.Remove(owner);
                    }
                    return true;
                }
            }
            _queues.Remove(owner);
        }
        jobId = Guid.Empty;
        owner = "";
        return false;
    }

    private async Task PumpAsync()
    {
        if (_pumping)
        {
            _repump = true;
            return;
        }
        _pumping = true;
        try
        {
            do
            {
                _repump = false;
                var batch = new List<(Guid JobId, string Owner)>();
                while (batch.Count < AdmitBatch && _queued.Count > 0 && slots.TryTake(this.GetPrimaryKeyLong()))
                {
                    if (!TryDequeue(out var jobId, out var owner))
                    {
                        slots.Release();
                        break;
                    }
                    _running[jobId] = owner;
                    batch.Add((jobId, owner));
                }
                if (batch.Count == 0)
                {
                    break;
                }
                _repump = true;
                await AdmitAsync(batch);
            }
            while (_repump);
        }
        finally
        {
            _pumping = false;
        }
    }

    private async Task AdmitAsync(List<(Guid JobId, string Owner)> batch)
    {
        var marked = MarkRunningAsync(batch);
        var admitted = await Task.WhenAll(batch.Select(async job =>
        {
            try
            {
                return (job, Started: await GrainFactory.GetGrain<IDownloadJobGrain>(job.JobId).Admit(), Failed: false);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Job {JobId} could not be admitted yet", job.JobId);
                return (job, Started: false, Failed: true);
            }
        }));
        await marked;
        var retry = false;
        foreach (var (job, started, failed) in admitted)
        {
            if (started || !_running.Remove(job.JobId))
            {
                continue;
            }
            slots.Release();
            if (failed)
            {
                // Its silo may be going away: queue it again and retry shortly.
                Enqueue(job.JobId, job.Owner);
                retry = true;
            }
        }
        if (retry)
        {
            _retry ??= this.RegisterGrainTimer(static shard => shard.RetryAsync(), this,
                new GrainTimerCreationOptions { DueTime = TimeSpan.FromSeconds(1), Period = Timeout.InfiniteTimeSpan, Interleave = true });
        }
    }

    private Task RetryAsync()
    {
        _retry?.Dispose();
        _retry = null;
        return PumpAsync();
    }

    private async Task MarkRunningAsync(List<(Guid JobId, string Owner)> batch)
    {
        try
        {
            await store.MarkRunningAsync(Shard, batch);
        }
        catch (Exception ex)
        {
            // The jobs' own reminders carry them on; a successor shard would admit them again (a no-op).
            logger.LogWarning(ex, "Intake shard {Shard} could not record {Count} admissions", Shard, batch.Count);
        }
    }

    /// <summary>Brings the shard in line with the store: unfinished jobs it did not know, and ones that finished unseen.</summary>
    private async Task ReloadAsync()
    {
        IReadOnlyList<ShardJob> stored;
        try
        {
            stored = await store.LoadShardAsync(Shard);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Intake shard {Shard} could not read its jobs; the next reminder tick retries", Shard);
            return;
        }
        var unfinished = new HashSet<Guid>(stored.Count);
        var redrive = new List<Guid>();
        foreach (var job in stored)
        {
            unfinished.Add(job.JobId);
            if (job.Running && !_running.ContainsKey(job.JobId))
            {
                _queued.Remove(job.JobId);
                _running[job.JobId] = job.Owner;
                slots.Occupy();
                redrive.Add(job.JobId);
            }
            else if (!job.Running)
            {
                Enqueue(job.JobId, job.Owner);
            }
        }
        foreach (var gone in _running.Keys.Where(id => !unfinished.Contains(id)).ToList())
        {
            _running.Remove(gone);
            slots.Release();
        }
        foreach (var gone in _queued.Keys.Where(id => !unfinished.Contains(id)).ToList())
        {
            _queued.Remove(gone);
        }
        // Every admitted job is woken, not only the ones this activation just learned of: a job admitted
        // on a silo that died before the job stored anything or registered its reminder has only this.
        // A wake of a running job changes nothing.
        foreach (var jobId in _running.Keys)
        {
            GrainFactory.GetGrain<IDownloadJobGrain>(jobId).Wake().Ignore();
        }
        if (redrive.Count > 0)
        {
            logger.LogInformation("Intake shard {Shard} took over {Count} admitted jobs", Shard, redrive.Count);
        }
        await PumpAsync();
    }

    private async Task SweepRetentionAsync()
    {
        try
        {
            var ended = await store.RetentionEndedAsync(Shard, time.GetUtcNow(), RetentionBatch);
            await Task.WhenAll(ended.Select(job => GrainFactory.GetGrain<IDownloadJobGrain>(job.JobId).EndRetention()));
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Intake shard {Shard} could not remove jobs whose retention ended; the next tick retries", Shard);
        }
    }
}
