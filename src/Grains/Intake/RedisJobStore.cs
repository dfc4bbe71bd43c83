using System.Globalization;
using Delineate.Abstractions;
using StackExchange.Redis;

namespace Delineate.Grains.Intake;

/// <summary>
/// The job store on Redis. A job's record keeps the key and hash layout of Orleans' Redis grain
/// storage (<c>{ServiceId}/state/downloadjob/{id}</c>, fields <c>etag</c> and <c>data</c>), so records
/// written before this store still read. Everything else of a shard lives under the shard's hash tag
/// (<c>{ServiceId:intake:K}</c>). Each batch and each write is one Lua script: it lands whole or not at all.
/// </summary>
public sealed class RedisJobStore(Func<Task<IConnectionMultiplexer>> connect, string serviceId) : IJobStore
{
    /// <summary>Idempotency keys are honoured 24 h; Redis forgets them an hour later.</summary>
    public static readonly TimeSpan IdempotencyLifetime = TimeSpan.FromHours(24);
    /// <summary>How long a store keeps an idempotency record at all (every store forgets it then).</summary>
    public static readonly TimeSpan IdempotencyRetention = IdempotencyLifetime + TimeSpan.FromHours(1);
    private const int KeysPerJob = 5;
    private const int ArgsPerJob = 7;

    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IDatabase? _db;

    // KEYS per job: record, pending, active counts, owner index, idempotency (or the record again);
    // then, once, the cluster's count of unfinished jobs.
    // ARGV: n, cap, idempotency retention seconds, cluster cap; per job: id, member, createdMs, data, summary, owner, bodyHash.
    // Answers per job: 'C' created, 'E<id>' existing, 'M' body mismatch, 'O' over the owner's cap,
    // 'G' over the cluster's cap. Idempotency keys are written only for jobs stored.
    private const string AcceptScript = """
        local n = tonumber(ARGV[1])
        local cap = tonumber(ARGV[2])
        local total = KEYS[n * 5 + 1]
        local clusterCap = tonumber(ARGV[4])
        local running = tonumber(redis.call('GET', total) or '0')
        local added = 0
        local out = {}
        for i = 0, n - 1 do
          local k = i * 5
          local a = 4 + i * 7
          local rec, pending, active, index, idem = KEYS[k + 1], KEYS[k + 2], KEYS[k + 3], KEYS[k + 4], KEYS[k + 5]
          local id, member, created, data, summary, owner, hash = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6], ARGV[a + 7]
          local result = nil
          if hash ~= '' then
            local seen = redis.call('GET', idem)
            if seen then
              local prior = string.sub(seen, #hash + 2)
              if string.sub(seen, 1, #hash + 1) ~= hash .. ' ' then
                result = 'M'
              elseif prior == id then
                result = 'C'
              else
                result = 'E' .. prior
              end
            end
          end
          if not result then
            if redis.call('EXISTS', rec) == 1 then
              result = 'C'
            elseif tonumber(redis.call('HGET', active, owner) or '0') >= cap then
              result = 'O'
            elseif running + added >= clusterCap then
              result = 'G'
            else
              added = added + 1
              redis.call('HSET', rec, 'etag', '0-intake', 'data', data)
              redis.call('ZADD', pending, created, member)
              redis.call('HINCRBY', active, owner, 1)
              redis.call('HSET', index, id, summary)
              if hash ~= '' then
                redis.call('SET', idem, hash .. ' ' .. id, 'EX', ARGV[3])
              end
              result = 'C'
            end
          end
          out[i + 1] = result
        end
        if added > 0 then
          redis.call('INCRBY', total, added)
        end
        return out
        """;

    // KEYS: record, index, pending, running, active, retention set, cluster total. ARGV: expected, new, data, id,
    // summary, finished ('1' or ''), member, owner, retention seconds left (the record's EXPIRE), retainedUntilMs.
    private const string WriteScript = """
        local etag = redis.call('HGET', KEYS[1], 'etag')
        local expected = ARGV[1]
        if not ((not etag and expected == '') or etag == expected or etag == ARGV[2]) then
          return -1
        end
        redis.call('HSET', KEYS[1], 'etag', ARGV[2], 'data', ARGV[3])
        redis.call('HSET', KEYS[2], ARGV[4], ARGV[5])
        if ARGV[6] == '1' then
          if redis.call('ZREM', KEYS[3], ARGV[7]) == 1 then
            if redis.call('HINCRBY', KEYS[5], ARGV[8], -1) <= 0 then
              redis.call('HDEL', KEYS[5], ARGV[8])
            end
            if redis.call('DECR', KEYS[7]) <= 0 then
              redis.call('DEL', KEYS[7])
            end
          end
          redis.call('SREM', KEYS[4], ARGV[7])
          redis.call('ZADD', KEYS[6], ARGV[10], ARGV[7])
          redis.call('EXPIRE', KEYS[1], ARGV[9])
        end
        return 0
        """;

    // KEYS: record, index, pending, running, active, retention set, cluster total. ARGV: expected, new, data, id,
    // summary, member, owner, queuedMs, cap, cluster cap. Answers 0 requeued, -1 tag conflict, -2 over the
    // owner's cap, -3 over the cluster's. A job already pending (a retried write) is not counted again.
    private const string RequeueScript = """
        local etag = redis.call('HGET', KEYS[1], 'etag')
        if not etag or (etag ~= ARGV[1] and etag ~= ARGV[2]) then
          return -1
        end
        if not redis.call('ZSCORE', KEYS[3], ARGV[6]) then
          if tonumber(redis.call('HGET', KEYS[5], ARGV[7]) or '0') >= tonumber(ARGV[9]) then
            return -2
          end
          if tonumber(redis.call('GET', KEYS[7]) or '0') >= tonumber(ARGV[10]) then
            return -3
          end
          redis.call('ZADD', KEYS[3], ARGV[8], ARGV[6])
          redis.call('HINCRBY', KEYS[5], ARGV[7], 1)
          redis.call('INCR', KEYS[7])
        end
        redis.call('HSET', KEYS[1], 'etag', ARGV[2], 'data', ARGV[3])
        redis.call('PERSIST', KEYS[1])
        redis.call('HSET', KEYS[2], ARGV[4], ARGV[5])
        redis.call('SREM', KEYS[4], ARGV[6])
        redis.call('ZREM', KEYS[6], ARGV[6])
        return 0
        """;

    // KEYS: record, index, retention set, pending, running, active, cluster total. ARGV: id, member, owner.
    // An owner's index hash goes with its last entry (Redis deletes an emptied hash), its count at 0.
    private const string DeleteScript = """
        redis.call('DEL', KEYS[1])
        redis.call('HDEL', KEYS[2], ARGV[1])
        redis.call('ZREM', KEYS[3], ARGV[2])
        if redis.call('ZREM', KEYS[4], ARGV[2]) == 1 then
          if redis.call('HINCRBY', KEYS[6], ARGV[3], -1) <= 0 then
            redis.call('HDEL', KEYS[6], ARGV[3])
          end
          if redis.call('DECR', KEYS[7]) <= 0 then
            redis.call('DEL', KEYS[7])
          end
        end
        redis.call('SREM', KEYS[5], ARGV[2])
        return 0
        """;

    /// <summary>Orleans' Redis grain storage key of the job grain's state: <c>{ServiceId}/state/{grainId}/{stateName}</c>.</summary>
    public string RecordKey(Guid jobId) => $"{serviceId}/state/downloadjob/{jobId:N}/{Jobs.DownloadJobGrain.StateName}";

    /// <summary>The cluster's count of unfinished jobs (for <c>MAX_ACTIVE_JOBS</c>); absent at 0.</summary>
    public string ActiveTotalKey => $"{serviceId}/intake/active";

    private string Tag(int shard) => $"{{{serviceId}:intake:{shard.ToString(CultureInfo.InvariantCulture)}}}";
    private string Pending(int shard) => Tag(shard) + ":pending";
    private string Running(int shard) => Tag(shard) + ":running";
    private string Active(int shard) => Tag(shard) + ":active";
    // The finished jobs by the end of their retention; the key keeps its stored name.
    private string RetentionSet(int shard) => Tag(shard) + ":expiring";
    private string Index(string owner) => $"{Tag(IntakeShards.Of(owner))}:owner:{owner}";
    private string Idempotency(string owner, string key) =>
        $"{Tag(IntakeShards.Of(owner))}:idem:{owner.Length.ToString(CultureInfo.InvariantCulture)}:{owner}/{key}";

    public async Task<IReadOnlyList<AcceptOutcome>> AcceptAsync(IReadOnlyList<NewJob> jobs, int maxActivePerOwner, int maxActive = int.MaxValue)
    {
        var keys = new RedisKey[jobs.Count * KeysPerJob + 1];
        var args = new RedisValue[4 + jobs.Count * ArgsPerJob];
        args[0] = jobs.Count;
        args[1] = maxActivePerOwner;
        args[2] = (long)IdempotencyRetention.TotalSeconds;
        args[3] = maxActive;
        keys[^1] = ActiveTotalKey;
        for (var i = 0; i < jobs.Count; i++)
        {
            var job = jobs[i];
            var shard = IntakeShards.Of(job.Owner);
            var id = job.JobId.ToString("N");
            var k = i * KeysPerJob;
            keys[k] = RecordKey(job.JobId);
            keys[k + 1] = Pending(shard);
            keys[k + 2] = Active(shard);
            keys[k + 3] = Index(job.Owner);
            // Without a key the slot repeats the record key; the script reads it only when a body hash is given.
            keys[k + 4] = job.IdempotencyKey is { } key ? Idempotency(job.Owner, key) : keys[k];
            var a = 4 + i * ArgsPerJob;
            var created = job.CreatedAt.ToUnixTimeMilliseconds();
            args[a] = id;
            args[a + 1] = JobStateCodec.Member(job.JobId, job.Owner);
            args[a + 2] = created;
            args[a + 3] = job.Record;
            args[a + 4] = JobStateCodec.EncodeSummary(new JobSummary
            {
                JobId = job.JobId,
                Status = JobStatus.Queued,
                FilesTotal = job.FilesTotal,
                CreatedAt = job.CreatedAt,
                UpdatedAt = job.CreatedAt,
            });
            args[a + 5] = job.Owner;
            args[a + 6] = job.IdempotencyKey is null ? "" : job.BodyHash ?? "";
        }
        var db = await DatabaseAsync();
        var answers = (RedisResult[])(await db.ScriptEvaluateAsync(AcceptScript, keys, args))!;
        var outcomes = new AcceptOutcome[jobs.Count];
        for (var i = 0; i < jobs.Count; i++)
        {
            var answer = (string)answers[i]!;
            outcomes[i] = answer[0] switch
            {
                'C' => new AcceptOutcome(AcceptStatus.Created, jobs[i].JobId),
                'E' => new AcceptOutcome(AcceptStatus.Existing, Guid.ParseExact(answer.AsSpan(1), "N")),
                'M' => new AcceptOutcome(AcceptStatus.BodyMismatch, Guid.Empty),
                'G' => new AcceptOutcome(AcceptStatus.OverClusterCap, Guid.Empty),
                _ => new AcceptOutcome(AcceptStatus.OverCap, Guid.Empty),
            };
        }
        return outcomes;
    }

    public async Task<StoredJob?> ReadAsync(Guid jobId)
    {
        var db = await DatabaseAsync();
        var fields = await db.HashGetAsync(RecordKey(jobId), ["etag", "data"]);
        if (fields[0].IsNull || fields[1].IsNull)
        {
            return null;
        }
        return new StoredJob(fields[0]!, (byte[])fields[1]!);
    }

    public async Task<bool> WriteAsync(Guid jobId, JobWrite write)
    {
        var shard = IntakeShards.Of(write.Owner);
        var member = JobStateCodec.Member(jobId, write.Owner);
        var retainedUntil = write.RetainedUntil;
        var retentionSeconds = retainedUntil is { } at ? Math.Max(1, (long)Math.Ceiling((at - DateTimeOffset.UtcNow).TotalSeconds)) : 0;
        var db = await DatabaseAsync();
        var result = await db.ScriptEvaluateAsync(WriteScript,
            [RecordKey(jobId), Index(write.Owner), Pending(shard), Running(shard), Active(shard), RetentionSet(shard), ActiveTotalKey],
            [write.ExpectedETag, write.NewETag, write.Data, jobId.ToString("N"), JobStateCodec.EncodeSummary(write.Summary),
             retainedUntil is null ? "" : "1", member, write.Owner, retentionSeconds, retainedUntil?.ToUnixTimeMilliseconds() ?? 0]);
        return (int)result == 0;
    }

    public async Task<RequeueStatus> RequeueAsync(Guid jobId, JobWrite write, AdmissionLimits limits)
    {
        var shard = IntakeShards.Of(write.Owner);
        var db = await DatabaseAsync();
        var result = (int)await db.ScriptEvaluateAsync(RequeueScript,
            [RecordKey(jobId), Index(write.Owner), Pending(shard), Running(shard), Active(shard), RetentionSet(shard), ActiveTotalKey],
            [write.ExpectedETag, write.NewETag, write.Data, jobId.ToString("N"), JobStateCodec.EncodeSummary(write.Summary),
             JobStateCodec.Member(jobId, write.Owner), write.Owner, write.Summary.UpdatedAt.ToUnixTimeMilliseconds(),
             limits.MaxActivePerOwner, limits.MaxActive]);
        return result switch
        {
            0 => RequeueStatus.Requeued,
            -2 => RequeueStatus.OverCap,
            -3 => RequeueStatus.OverClusterCap,
            _ => RequeueStatus.Conflict,
        };
    }

    public async Task DeleteAsync(Guid jobId, string owner)
    {
        var shard = IntakeShards.Of(owner);
        var db = await DatabaseAsync();
        await db.ScriptEvaluateAsync(DeleteScript,
            [RecordKey(jobId), Index(owner), RetentionSet(shard), Pending(shard), Running(shard), Active(shard), ActiveTotalKey],
            [jobId.ToString("N"), JobStateCodec.Member(jobId, owner), owner]);
    }

    public async Task<IReadOnlyList<ShardJob>> LoadShardAsync(int shard)
    {
        var db = await DatabaseAsync();
        var pending = db.SortedSetRangeByRankWithScoresAsync(Pending(shard));
        var running = db.SetMembersAsync(Running(shard));
        var admitted = (await running).Select(m => (string)m!).ToHashSet(StringComparer.Ordinal);
        return (await pending).Select(entry =>
        {
            var member = (string)entry.Element!;
            var (jobId, owner) = JobStateCodec.ParseMember(member);
            return new ShardJob(jobId, owner, (long)entry.Score, admitted.Contains(member));
        }).ToList();
    }

    public async Task MarkRunningAsync(int shard, IReadOnlyList<(Guid JobId, string Owner)> jobs)
    {
        var db = await DatabaseAsync();
        await db.SetAddAsync(Running(shard), jobs.Select(j => (RedisValue)JobStateCodec.Member(j.JobId, j.Owner)).ToArray());
    }

    public async Task<IReadOnlyList<RetentionEndedJob>> RetentionEndedAsync(int shard, DateTimeOffset now, int max)
    {
        var db = await DatabaseAsync();
        var due = await db.SortedSetRangeByScoreAsync(RetentionSet(shard), double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: max);
        return due.Select(m =>
        {
            var (jobId, owner) = JobStateCodec.ParseMember(m!);
            return new RetentionEndedJob(jobId, owner);
        }).ToList();
    }

    public async Task<JobPage> ListAsync(string owner, JobStatus? status, int limit, Guid? cursor)
    {
        var db = await DatabaseAsync();
        var entries = await db.HashGetAllAsync(Index(owner));
        var summaries = entries
            .Select(e => Guid.TryParseExact((string?)e.Name, "N", out var id) ? JobStateCodec.DecodeSummary(id, e.Value) : null)
            .OfType<JobSummary>();
        return JobStateCodec.Page(summaries, status, limit, cursor);
    }

    private async ValueTask<IDatabase> DatabaseAsync()
    {
        if (_db is { } ready)
        {
            return ready;
        }
        await _connecting.WaitAsync();
        try
        {
            return _db ??= (await connect()).GetDatabase();
        }
        finally
        {
            _connecting.Release();
        }
    }
}
