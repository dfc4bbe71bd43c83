using Delineate.Abstractions;

namespace Delineate.Grains.Intake;

/// <summary>
/// The job store of embedded mode: the same rules as <see cref="RedisJobStore"/>, in process memory
/// under one lock (every operation is a few dictionary steps). Lost when the process stops. Nothing is
/// kept for longer than Redis would keep it: idempotency records are forgotten after
/// <see cref="RedisJobStore.IdempotencyRetention"/>, an owner's index and count when they empty.
/// </summary>
public sealed class InMemoryJobStore(TimeProvider time) : IJobStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Record> _records = [];
    private readonly Dictionary<string, Dictionary<Guid, JobSummary>> _indexes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _active = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string BodyHash, Guid JobId, DateTimeOffset At)> _keys = new(StringComparer.Ordinal);
    /// <summary>The idempotency records in the order they were written, which is the order they expire in.</summary>
    private readonly Queue<(string Key, DateTimeOffset At)> _keysByAge = new();
    private int _activeTotal;
    private readonly Shard[] _shards = Enumerable.Range(0, IntakeShards.Count).Select(_ => new Shard()).ToArray();

    public Task<IReadOnlyList<AcceptOutcome>> AcceptAsync(IReadOnlyList<NewJob> jobs, int maxActivePerOwner, int maxActive = int.MaxValue)
    {
        var outcomes = new AcceptOutcome[jobs.Count];
        var now = time.GetUtcNow();
        lock (_lock)
        {
            ForgetKeysBefore(now - RedisJobStore.IdempotencyRetention);
            for (var i = 0; i < jobs.Count; i++)
            {
                var job = jobs[i];
                var key = job.IdempotencyKey is { } k ? $"{job.Owner.Length}:{job.Owner}/{k}" : null;
                if (key is not null && _keys.TryGetValue(key, out var seen) && now - seen.At < RedisJobStore.IdempotencyLifetime
                    && seen.JobId != job.JobId)
                {
                    outcomes[i] = seen.BodyHash == job.BodyHash
                        ? new AcceptOutcome(AcceptStatus.Existing, seen.JobId)
                        : new AcceptOutcome(AcceptStatus.BodyMismatch, Guid.Empty);
                    continue;
                }
                if (_records.ContainsKey(job.JobId))
                {
                    outcomes[i] = new AcceptOutcome(AcceptStatus.Created, job.JobId);
                    continue;
                }
                var active = _active.GetValueOrDefault(job.Owner);
                if (active >= maxActivePerOwner)
                {
                    outcomes[i] = new AcceptOutcome(AcceptStatus.OverCap, Guid.Empty);
                    continue;
                }
                if (_activeTotal >= maxActive)
                {
                    outcomes[i] = new AcceptOutcome(AcceptStatus.OverClusterCap, Guid.Empty);
                    continue;
                }
                _records[job.JobId] = new Record("0-intake", job.Record, job.Owner);
                _active[job.Owner] = active + 1;
                _activeTotal++;
                _shards[IntakeShards.Of(job.Owner)].Pending[job.JobId] = new ShardJob(job.JobId, job.Owner, job.CreatedAt.ToUnixTimeMilliseconds(), false);
                IndexOf(job.Owner)[job.JobId] = new JobSummary
                {
                    JobId = job.JobId,
                    Status = JobStatus.Queued,
                    FilesTotal = job.FilesTotal,
                    CreatedAt = job.CreatedAt,
                    UpdatedAt = job.CreatedAt,
                };
                if (key is not null)
                {
                    _keys[key] = (job.BodyHash!, job.JobId, now);
                    _keysByAge.Enqueue((key, now));
                }
                outcomes[i] = new AcceptOutcome(AcceptStatus.Created, job.JobId);
            }
        }
        return Task.FromResult<IReadOnlyList<AcceptOutcome>>(outcomes);
    }

    public Task<StoredJob?> ReadAsync(Guid jobId)
    {
        lock (_lock)
        {
            return Task.FromResult(_records.TryGetValue(jobId, out var record) ? new StoredJob(record.ETag, record.Data) : null);
        }
    }

    public Task<bool> WriteAsync(Guid jobId, JobWrite write)
    {
        lock (_lock)
        {
            var current = _records.TryGetValue(jobId, out var record) ? record.ETag : null;
            if (!((current is null && write.ExpectedETag.Length == 0) || current == write.ExpectedETag || current == write.NewETag))
            {
                return Task.FromResult(false);
            }
            _records[jobId] = new Record(write.NewETag, write.Data, write.Owner);
            IndexOf(write.Owner)[jobId] = write.Summary;
            if (write.RetainedUntil is { } retainedUntil)
            {
                var shard = _shards[IntakeShards.Of(write.Owner)];
                if (shard.Pending.Remove(jobId))
                {
                    Decrement(write.Owner);
                }
                shard.Retained[jobId] = (write.Owner, retainedUntil);
            }
            return Task.FromResult(true);
        }
    }

    public Task<RequeueStatus> RequeueAsync(Guid jobId, JobWrite write, AdmissionLimits limits)
    {
        lock (_lock)
        {
            if (!_records.TryGetValue(jobId, out var record) || (record.ETag != write.ExpectedETag && record.ETag != write.NewETag))
            {
                return Task.FromResult(RequeueStatus.Conflict);
            }
            var shard = _shards[IntakeShards.Of(write.Owner)];
            if (!shard.Pending.ContainsKey(jobId))
            {
                var active = _active.GetValueOrDefault(write.Owner);
                if (active >= limits.MaxActivePerOwner)
                {
                    return Task.FromResult(RequeueStatus.OverCap);
                }
                if (_activeTotal >= limits.MaxActive)
                {
                    return Task.FromResult(RequeueStatus.OverClusterCap);
                }
                shard.Pending[jobId] = new ShardJob(jobId, write.Owner, write.Summary.UpdatedAt.ToUnixTimeMilliseconds(), false);
                _active[write.Owner] = active + 1;
                _activeTotal++;
            }
            else
            {
                shard.Pending[jobId] = shard.Pending[jobId] with { Running = false };
            }
            _records[jobId] = new Record(write.NewETag, write.Data, write.Owner);
            IndexOf(write.Owner)[jobId] = write.Summary;
            shard.Retained.Remove(jobId);
            return Task.FromResult(RequeueStatus.Requeued);
        }
    }

    public Task DeleteAsync(Guid jobId, string owner)
    {
        lock (_lock)
        {
            _records.Remove(jobId);
            if (_indexes.TryGetValue(owner, out var index) && index.Remove(jobId) && index.Count == 0)
            {
                _indexes.Remove(owner);
            }
            var shard = _shards[IntakeShards.Of(owner)];
            shard.Retained.Remove(jobId);
            if (shard.Pending.Remove(jobId))
            {
                Decrement(owner);
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ShardJob>> LoadShardAsync(int shard)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<ShardJob>>(_shards[shard].Pending.Values.OrderBy(j => j.CreatedMs).ToList());
        }
    }

    public Task MarkRunningAsync(int shard, IReadOnlyList<(Guid JobId, string Owner)> jobs)
    {
        lock (_lock)
        {
            var pending = _shards[shard].Pending;
            foreach (var (jobId, _) in jobs)
            {
                if (pending.TryGetValue(jobId, out var job))
                {
                    pending[jobId] = job with { Running = true };
                }
            }
        }
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<RetentionEndedJob>> RetentionEndedAsync(int shard, DateTimeOffset now, int max)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<RetentionEndedJob>>(_shards[shard].Retained
                .Where(e => e.Value.At <= now)
                .OrderBy(e => e.Value.At)
                .Take(max)
                .Select(e => new RetentionEndedJob(e.Key, e.Value.Owner))
                .ToList());
        }
    }

    public Task<JobPage> ListAsync(string owner, JobStatus? status, int limit, Guid? cursor)
    {
        lock (_lock)
        {
            var summaries = _indexes.TryGetValue(owner, out var index) ? index.Values.ToList() : [];
            return Task.FromResult(JobStateCodec.Page(summaries, status, limit, cursor));
        }
    }

    private Dictionary<Guid, JobSummary> IndexOf(string owner)
    {
        if (!_indexes.TryGetValue(owner, out var index))
        {
            _indexes[owner] = index = [];
        }
        return index;
    }

    /// <summary>Test hook: how many idempotency records, owner indexes and owner counts are held.</summary>
    public (int Keys, int Indexes, int OwnerCounts, int ActiveTotal) Held()
    {
        lock (_lock)
        {
            return (_keys.Count, _indexes.Count, _active.Count, _activeTotal);
        }
    }

    private void ForgetKeysBefore(DateTimeOffset cutoff)
    {
        while (_keysByAge.TryPeek(out var oldest) && oldest.At < cutoff)
        {
            _keysByAge.Dequeue();
            // A key written again later has a newer entry of its own: only the record of this write goes.
            if (_keys.TryGetValue(oldest.Key, out var seen) && seen.At == oldest.At)
            {
                _keys.Remove(oldest.Key);
            }
        }
    }

    private void Decrement(string owner)
    {
        _activeTotal = Math.Max(0, _activeTotal - 1);
        if (_active.TryGetValue(owner, out var count))
        {
            if (count <= 1)
            {
                _active.Remove(owner);
            }
            else
            {
                _active[owner] = count - 1;
            }
        }
    }

    private sealed record Record(string ETag, byte[] Data, string Owner);

    private sealed class Shard
    {
        public Dictionary<Guid, ShardJob> Pending { get; } = [];
        public Dictionary<Guid, (string Owner, DateTimeOffset At)> Retained { get; } = [];
    }
}
