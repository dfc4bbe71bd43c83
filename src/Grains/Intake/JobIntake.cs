using System.Threading.Channels;
using Delineate.Abstractions;
using Delineate.Grains.Jobs;
using Delineate.Grains.Options;
using Delineate.Grains.Resilience;
using Delineate.Grains.Storage;
using Delineate.Grains.Webhooks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace Delineate.Grains.Intake;

/// <summary>
/// The accept path: a job is accepted when its record is durably in the store, and nothing else.
/// Concurrent accepts are group-committed: whatever arrived while the previous batch was being
/// written goes out together in one script (one Redis round trip), and every caller in the batch
/// is answered. Only then are the new jobs handed to their intake shards, in the background: a
/// hand-over that is lost is made good by the shard's reminder, which reloads the store.
/// </summary>
public sealed class JobIntake : IAsyncDisposable
{
    /// <summary>Jobs per script: large enough to amortise a round trip, small enough to keep the script short.</summary>
    private const int MaxBatch = 256;
    /// <summary>Batches in flight at once: the next one fills while one is being written.</summary>
    private const int Writers = 2;

    private readonly IJobStore _store;
    private readonly IGrainFactory _grains;
    private readonly JobStateCodec _codec;
    private readonly JobOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<JobIntake> _logger;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleWriter = false });
    private readonly Task[] _writers;
    private readonly ResiliencePipeline _retry;
    private readonly ShardHandOver?[] _handOvers = new ShardHandOver?[IntakeShards.Count];

    public JobIntake(IJobStore store, IGrainFactory grains, JobStateCodec codec, IOptions<JobOptions> options, TimeProvider time, ResiliencePipelineProvider<string> pipelines, ILogger<JobIntake> logger)
    {
        _store = store;
        _grains = grains;
        _codec = codec;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _retry = pipelines.GetPipeline(ResiliencePipelines.JobIntake);
        // The loops outlive the request that first resolved the intake: they must not carry its trace.
        using (ExecutionContext.SuppressFlow())
        {
            _writers = Enumerable.Range(0, Writers).Select(_ => Task.Run(WriteLoopAsync)).ToArray();
        }
    }

    /// <summary>Stores a new queued job (or finds the one its idempotency key stands for).</summary>
    /// <exception cref="StoreUnavailableException">The store did not answer within the retry budget.</exception>
    public Task<AcceptOutcome> AcceptAsync(Guid jobId, InitiateJobRequest request, AdmissionLimits limits, string? idempotencyKey = null, string? bodyHash = null)
    {
        var now = _time.GetUtcNow();
        var fileIds = request.FileIds.Distinct().ToList();
        var state = new DownloadJobState
        {
            Version = DownloadJobState.CurrentVersion,
            Owner = request.Owner,
            Status = JobStatus.Queued,
            Phase = JobPhase.Queued,
            Files = fileIds.Select(id => new FileState { FileId = id }).ToList(),
            CreatedAt = now,
            UpdatedAt = now,
            Deadline = now + _options.Timeout,
            TraceParent = request.TraceParent,
            ArchiveKey = StorageKeys.Export(jobId),
            Webhook = WebhookState.For(request),
        };
        var pending = new Pending(
            new NewJob(jobId, request.Owner, _codec.Encode(state), fileIds.Count, now, idempotencyKey, bodyHash),
            limits);
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new StoreUnavailableException("The intake is stopping.");
        }
        return pending.Answer.Task;
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }
            if (batch.Count > 0)
            {
                await WriteBatchAsync(batch);
            }
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        // One pair of caps per script: callers normally share it; a batch with several is split by caps.
        foreach (var group in batch.GroupBy(p => p.Limits))
        {
            var items = group.ToList();
            IReadOnlyList<AcceptOutcome> outcomes;
            try
            {
                var jobs = items.Select(p => p.Job).ToList();
                outcomes = await _retry.ExecuteAsync(async _ => await _store.AcceptAsync(jobs, group.Key.MaxActivePerOwner, group.Key.MaxActive), CancellationToken.None);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Intake could not store {Count} new jobs", items.Count);
                var unavailable = new StoreUnavailableException("Job storage did not answer.", ex);
                foreach (var item in items)
                {
                    item.Answer.TrySetException(unavailable);
                }
                continue;
            }
            for (var i = 0; i < items.Count; i++)
            {
                items[i].Answer.TrySetResult(outcomes[i]);
            }
            HandOver(items, outcomes);
        }
    }

    /// <summary>
    /// Queues the new jobs for their shards. Hand-overs are coalesced too: at most one call per shard
    /// is in flight, and the next one carries everything accepted meanwhile, so under load a shard
    /// gets one call per round trip, not one per batch.
    /// </summary>
    private void HandOver(List<Pending> items, IReadOnlyList<AcceptOutcome> outcomes)
    {
        var start = new List<int>();
        lock (_handOvers)
        {
            for (var i = 0; i < items.Count; i++)
            {
                if (outcomes[i].Status != AcceptStatus.Created)
                {
                    continue;
                }
                var job = items[i].Job;
                var shard = IntakeShards.Of(job.Owner);
                var waiting = _handOvers[shard] ??= new ShardHandOver();
                waiting.Jobs.Add(new QueuedJob { JobId = job.JobId, Owner = job.Owner });
                if (!waiting.InFlight)
                {
                    waiting.InFlight = true;
                    start.Add(shard);
                }
            }
        }
        foreach (var shard in start)
        {
            _ = HandOverAsync(shard);
        }
    }

    private async Task HandOverAsync(int shard)
    {
        while (true)
        {
            List<QueuedJob> jobs;
            lock (_handOvers)
            {
                var waiting = _handOvers[shard]!;
                if (waiting.Jobs.Count == 0)
                {
                    waiting.InFlight = false;
                    return;
                }
                jobs = waiting.Jobs;
                waiting.Jobs = [];
            }
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await _grains.GetGrain<IIntakeShardGrain>(shard).Accepted(jobs);
                    break;
                }
                catch (Exception ex) when (attempt < 5)
                {
                    // Its silo may have just died: a new activation answers once the death is declared.
                    _logger.LogDebug(ex, "Intake shard {Shard} was not told of {Count} new jobs yet (attempt {Attempt})", shard, jobs.Count, attempt);
                    await Task.Delay(TimeSpan.FromSeconds(attempt));
                }
                catch (Exception ex)
                {
                    // Stored and safe: the shard's reminder finds them in its pending set.
                    _logger.LogWarning(ex, "Intake shard {Shard} was not told of {Count} new jobs; its reminder will find them", shard, jobs.Count);
                    break;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_writers);
    }

    private sealed class ShardHandOver
    {
        public List<QueuedJob> Jobs { get; set; } = [];
        public bool InFlight { get; set; }
    }

    private sealed record Pending(NewJob Job, AdmissionLimits Limits)
    {
        public TaskCompletionSource<AcceptOutcome> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
