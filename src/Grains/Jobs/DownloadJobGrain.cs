using System.Diagnostics;
using Delineate.Abstractions;
using Delineate.Grains.Options;
using Delineate.Grains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Orleans.Placement;
using Orleans.Timers;
using Polly;
using Polly.Retry;

namespace Delineate.Grains.Jobs;

/// <summary>
/// One download job. Its work runs in an interleaving grain timer, so status and cancel calls are
/// answered while it runs; a wake-up reminder restarts the work on another silo if this one dies.
/// Every event is persisted before it is published, so a successor never repeats a sequence number
/// or lets progress go back.
/// </summary>
[RandomPlacement]
public sealed class DownloadJobGrain : Grain, IDownloadJobGrain, IRemindable
{
    public const string StateName = "job";
    public const string StorageName = "jobs";
    private const string WakeReminder = "wake";
    private const string RetentionReminder = "retention";
    private static readonly TimeSpan BundleProgressInterval = TimeSpan.FromSeconds(1);

    private readonly IPersistentState<DownloadJobState> _state;
    private readonly FileFetcher _fetcher;
    private readonly IFileSource _source;
    private readonly IExportStore _exports;
    private readonly JobOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DownloadJobGrain> _logger;
    private readonly JobMetrics _metrics;
    private readonly Queue<JobEvent> _outbox = new();
    /// <summary>Recently published events, for clients resuming after a given seq.</summary>
    private readonly Queue<JobEvent> _history = new();
    private const int HistoryLength = 256;
    private long _seqAtActivation;

    private IAsyncStream<JobEvent>? _stream;
    private IGrainTimer? _workTimer;
    private CancellationTokenSource? _cancel;
    private Task? _writeInFlight;
    private bool _dirty;
    private bool _publishing;
    private long _persistedSeq;
    /// <summary>The snapshot of the state last written; null until this activation writes.</summary>
    private JobSnapshot? _persistedView;
    private bool _wakeRegistered;
    /// <summary>The wake-up reminder registration in flight, shared by Initiate and the first run.</summary>
    private Task? _wakeRegistration;
    private bool _pausing;
    private readonly CancellationToken _stopping;

    public DownloadJobGrain(
        [PersistentState(StateName, StorageName)] IPersistentState<DownloadJobState> state,
        FileFetcher fetcher,
        IFileSource source,
        IExportStore exports,
        IOptions<JobOptions> options,
        TimeProvider time,
        JobMetrics metrics,
        IHostApplicationLifetime lifetime,
        ILogger<DownloadJobGrain> logger)
    {
        _stopping = lifetime.ApplicationStopping;
        _metrics = metrics;
        _state = state;
        _fetcher = fetcher;
        _source = source;
        _exports = exports;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    private Guid JobId => this.GetPrimaryKey();
    private DownloadJobState S => _state.State;
    private bool Exists => _state.RecordExists;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _stream = this.GetStreamProvider(StreamNames.Provider)
            .GetStream<JobEvent>(StreamId.Create(StreamNames.PartitionNamespace, StreamNames.PartitionKey(StreamNames.PartitionOf(JobId))));
        _persistedSeq = S.Seq;
        _seqAtActivation = S.Seq;
        if (Exists && !S.Status.IsTerminal())
        {
            StartWork();
        }
        return Task.CompletedTask;
    }

    public async Task<JobSnapshot> Initiate(InitiateJobRequest request)
    {
        if (Exists)
        {
            return Snapshot();
        }
        using var scope = JobScope();
        var now = _time.GetUtcNow();
        var state = S;
        state.Version = DownloadJobState.CurrentVersion;
        state.Owner = request.Owner;
        state.Status = JobStatus.Queued;
        state.Phase = JobPhase.Queued;
        state.Files = request.FileIds.Distinct().Select(id => new FileState { FileId = id }).ToList();
        state.CreatedAt = now;
        state.UpdatedAt = now;
        state.Deadline = now + _options.Timeout;
        state.TraceParent = request.TraceParent;
        state.ArchiveKey = StorageKeys.Export(JobId);
        await CommitAsync();
        // The job is stored: from here on it must run. Work starts now; a wake-up reminder that cannot
        // be registered yet is registered again when the work starts.
        var accepted = Snapshot();
        StartWork();
        await EnsureWakeReminderAsync();
        _metrics.Initiated();
        _logger.LogInformation("Job {JobId} accepted for {Owner} with {FileCount} files", JobId, state.Owner, state.Files.Count);
        return accepted;
    }

    /// <summary>
    /// What is stored, never more: while a write is pending (or storage is failing) the last stored
    /// view is answered, so a status never shows progress that a successor would take back.
    /// </summary>
    public Task<JobSnapshot?> GetStatus()
    {
        if (!Exists)
        {
            return Task.FromResult<JobSnapshot?>(null);
        }
        return Task.FromResult<JobSnapshot?>(_persistedView is { } stored && stored.Seq < S.Seq ? WithUrls(stored) : Snapshot());
    }

    public Task<IReadOnlyList<JobEvent>?> GetEventsAfter(long afterSeq)
    {
        var newestPublished = _history.Count > 0 ? _history.Last().Seq : _seqAtActivation;
        if (afterSeq >= newestPublished)
        {
            return Task.FromResult<IReadOnlyList<JobEvent>?>([]);
        }
        if (_history.Count == 0 || afterSeq < _history.Peek().Seq - 1)
        {
            return Task.FromResult<IReadOnlyList<JobEvent>?>(null);
        }
        return Task.FromResult<IReadOnlyList<JobEvent>?>(_history.Where(e => e.Seq > afterSeq).ToList());
    }

    public Task Wake()
    {
        if (Exists && !S.Status.IsTerminal())
        {
            StartWork();
        }
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (!Exists || S.Status.IsTerminal())
        {
            return;
        }
        // Stop the work; what is settled is persisted already, in-flight files are fetched again.
        _pausing = true;
        _cancel?.Cancel();
        if (reason.ReasonCode == DeactivationReasonCode.ShuttingDown)
        {
            // Hand the job over now rather than at the next reminder tick: the message reaches a new
            // activation on a silo that is not shutting down.
            _logger.LogInformation("Job {JobId} handed over: its silo is shutting down", JobId);
            this.AsReference<IDownloadJobGrain>().Wake().Ignore();
        }
        await Task.CompletedTask;
    }

    public async Task<CancelOutcome> Cancel()
    {
        if (!Exists)
        {
            return CancelOutcome.NotFound;
        }
        if (S.Status.IsTerminal())
        {
            return CancelOutcome.AlreadyFinished;
        }
        using var scope = JobScope();
        // Mark first, then stop the work: its cancellation handlers see a terminal state.
        MarkFinished(JobStatus.Cancelled, null);
        _cancel?.Cancel();
        await AfterFinishAsync();
        _metrics.Finished(JobStatus.Cancelled, (S.FinishedAt ?? _time.GetUtcNow()) - S.CreatedAt);
        _logger.LogInformation("Job {JobId} cancelled", JobId);
        return CancelOutcome.Cancelled;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == RetentionReminder)
        {
            await ExpireAsync();
            return;
        }
        if (!Exists || S.Status.IsTerminal())
        {
            await UnregisterAsync(WakeReminder);
            return;
        }
        _wakeRegistered = true;
        StartWork();
    }

    private void StartWork()
    {
        if (_workTimer is not null)
        {
            return;
        }
        _cancel = new CancellationTokenSource();
        _workTimer = this.RegisterGrainTimer(
            static (grain, timerToken) => grain.RunAsync(timerToken),
            this,
            new GrainTimerCreationOptions
            {
                DueTime = TimeSpan.Zero,
                Period = Timeout.InfiniteTimeSpan,
                Interleave = true,
                KeepAlive = true,
            });
    }

    private async Task RunAsync(CancellationToken timerToken)
    {
        var remaining = S.Deadline - _time.GetUtcNow();
        using var deadline = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, _time);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(_cancel!.Token, deadline.Token, timerToken, _stopping);
        using var activity = JobTelemetry.StartJobActivity("job.run", S.TraceParent, JobId);
        using var scope = JobScope();
        _metrics.RunStarted();
        try
        {
            await EnsureWakeReminderAsync();
            S.Runs++;
            if (S.Status == JobStatus.Queued)
            {
                S.Status = JobStatus.Processing;
                S.Phase = JobPhase.Fetching;
                S.StartedAt = _time.GetUtcNow();
                Emit(JobEventType.Progress);
                await CommitAsync();
                await AnnounceAsync();
                _logger.LogInformation("Job {JobId} started", JobId);
            }
            else
            {
                _metrics.Resumed();
                _logger.LogInformation("Job {JobId} resumed in {Phase} (run {Run})", JobId, S.Phase, S.Runs);
            }
            work.Token.ThrowIfCancellationRequested();
            if (S.Phase == JobPhase.Fetching)
            {
                await FetchAllAsync(work.Token);
                S.Phase = JobPhase.Bundling;
                Emit(JobEventType.Progress);
                await CommitAsync();
            }
            if (S.Files.All(f => f.Status != FileStatus.Ready))
            {
                await FinishAsync(JobStatus.Failed, "None of the requested files is available.");
                return;
            }
            await BundleWithRetriesAsync(work.Token);
            await FinishAsync(JobStatus.Completed, null);
        }
        catch (OperationCanceledException) when (S.Status.IsTerminal())
        {
            // Cancelled by a client: Cancel() has recorded it.
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !timerToken.IsCancellationRequested)
        {
            _logger.LogWarning("Job {JobId} passed its deadline", JobId);
            await FinishAsync(JobStatus.Failed, "The job did not finish before its deadline (JOB_TIMEOUT_MS).");
        }
        catch (OperationCanceledException) when (timerToken.IsCancellationRequested || _pausing || _stopping.IsCancellationRequested)
        {
            _logger.LogInformation("Job {JobId} paused: its activation is going away; the reminder resumes it", JobId);
        }
        catch (Exception ex) when (_pausing || _stopping.IsCancellationRequested)
        {
            // The silo is stopping (its services may already be disposed): pause, never fail.
            _logger.LogInformation("Job {JobId} paused while its silo stops ({Reason})", JobId, ex.GetType().Name);
        }
        catch (Orleans.Storage.InconsistentStateException ex)
        {
            // Another activation of this job wrote after us (a silo wrongly declared dead came back):
            // this one steps aside and the job goes on from the stored state.
            _logger.LogWarning(ex, "Job {JobId} state was written elsewhere; deactivating this copy", JobId);
            DeactivateOnIdle();
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            _logger.LogError(ex, "Job {JobId} failed", JobId);
            await TryFailAsync(S.Phase == JobPhase.Bundling && TransientErrors.IsTransient(ex)
                ? $"The archive could not be stored: export storage did not answer after {_options.MaxAttempts} attempts."
                : "The job hit an internal error.");
        }
        finally
        {
            _metrics.RunEnded();
            _workTimer?.Dispose();
            _workTimer = null;
        }
    }

    private async Task FetchAllAsync(CancellationToken cancellationToken)
    {
        // Files that were in flight when a predecessor died are fetched again; settled ones never are.
        var pending = S.Files.Where(f => !f.IsSettled).ToList();
        using var gate = new SemaphoreSlim(_options.JobConcurrency);
        await Task.WhenAll(pending.Select(async file =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                file.Status = FileStatus.Processing;
                using var span = JobTelemetry.Source.StartActivity("job.fetch");
                span?.SetTag("file.id", file.FileId);
                var outcome = await _fetcher.FetchAsync(file.FileId, cancellationToken);
                span?.SetTag("file.attempts", outcome.Attempts);
                span?.SetTag("file.status", outcome.Status.ToString());
                cancellationToken.ThrowIfCancellationRequested();
                file.Status = outcome.Status;
                file.Attempts += outcome.Attempts;
                file.Size = outcome.File?.Size;
                file.Key = outcome.File?.Key;
                file.Error = outcome.Error;
                _metrics.FileSettled(outcome.Status, outcome.Attempts);
                Emit(JobEventType.Progress, ToResult(file, withUrl: false));
                await CommitAsync();
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private async Task BundleWithRetriesAsync(CancellationToken cancellationToken)
    {
        // Polly refuses MaxRetryAttempts = 0: with JOB_MAX_ATTEMPTS=1 there is no retry strategy at all.
        var builder = new ResiliencePipelineBuilder { TimeProvider = _time };
        if (_options.MaxAttempts > 1)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = _options.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromSeconds(1),
                ShouldHandle = new PredicateBuilder().Handle<Exception>(ex =>
                    !cancellationToken.IsCancellationRequested && TransientErrors.IsTransient(ex)),
                OnRetry = args =>
                {
                    _logger.LogWarning(args.Outcome.Exception, "Job {JobId} bundle attempt {Attempt} failed; retrying", JobId, args.AttemptNumber + 1);
                    return default;
                },
            });
        }
        var retry = builder.Build();
        await RunOnGrainAsync(retry, BundleAsync, cancellationToken);
    }

    private async Task BundleAsync(CancellationToken cancellationToken)
    {
        var key = S.ArchiveKey ?? StorageKeys.Export(JobId);
        if (S.UploadId is { } stale)
        {
            // A predecessor died mid-upload: its parts are discarded and the bundle starts over.
            await AbortQuietlyAsync(key, stale);
            S.UploadId = null;
        }
        using var span = JobTelemetry.Source.StartActivity("job.bundle");
        var ready = S.Files.Where(f => f.Status == FileStatus.Ready).ToList();
        var upload = await _exports.BeginUploadAsync(key, cancellationToken);
        try
        {
            S.UploadId = upload.UploadId;
            await CommitAsync();
            var lastProgress = _time.GetTimestamp();
            var archive = await ArchiveWriter.CreateAsync(upload.Content, cancellationToken);
            await using (archive)
            {
                for (var i = 0; i < ready.Count; i++)
                {
                    var file = ready[i];
                    var source = new SourceFile(file.FileId, file.Key ?? StorageKeys.Source(file.FileId), file.Size ?? 0);
                    // Copying is CPU and I/O work: keep it off the grain's scheduler.
                    await Task.Run(async () =>
                    {
                        await using var content = await _source.OpenReadAsync(source, cancellationToken);
                        await archive.AddAsync(StorageKeys.FileName(file.FileId), content, cancellationToken);
                    }, cancellationToken);
                    _bundledFiles = i + 1;
                    _bundleTotal = ready.Count;
                    if (_time.GetElapsedTime(lastProgress) >= BundleProgressInterval && i + 1 < ready.Count)
                    {
                        lastProgress = _time.GetTimestamp();
                        Emit(JobEventType.Progress);
                        await CommitAsync();
                    }
                }
            }
            S.ArchiveSize = await upload.CompleteAsync(cancellationToken);
            _metrics.Bundled(S.ArchiveSize.Value);
            span?.SetTag("bundle.bytes", S.ArchiveSize);
            S.UploadId = null;
        }
        catch
        {
            // Cancels a part still in flight before aborting, so nothing is left behind.
            try
            {
                await upload.AbortAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                _logger.LogWarning(ex, "Job {JobId} could not abort upload {UploadId}", JobId, upload.UploadId);
            }
            S.UploadId = null;
            throw;
        }
        finally
        {
            await upload.DisposeAsync();
        }
    }

    private int _bundledFiles;
    private int _bundleTotal;

    private async Task AbortQuietlyAsync(string key, string uploadId)
    {
        try
        {
            await _exports.AbortUploadAsync(key, uploadId, CancellationToken.None);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Job {JobId} could not abort upload {UploadId}", JobId, uploadId);
        }
    }

    private async Task FinishAsync(JobStatus status, string? error)
    {
        if (S.Status.IsTerminal())
        {
            return;
        }
        MarkFinished(status, error);
        await AfterFinishAsync();
        _metrics.Finished(status, (S.FinishedAt ?? _time.GetUtcNow()) - S.CreatedAt);
        _logger.LogInformation("Job {JobId} finished {Status}: {Ready} ready, {Missing} missing, {Failed} failed",
            JobId, status, Count(FileStatus.Ready), Count(FileStatus.Missing), Count(FileStatus.Failed));
    }

    private async Task TryFailAsync(string reason)
    {
        try
        {
            await FinishAsync(JobStatus.Failed, reason);
        }
        catch (Exception ex)
        {
            // Storage is down too: the wake-up reminder retries the job later. This activation's state
            // says failed, which was never stored: drop it, so the retry starts from what was stored.
            _logger.LogError(ex, "Job {JobId} could not record its failure", JobId);
            DeactivateOnIdle();
        }
    }

    private void MarkFinished(JobStatus status, string? error)
    {
        S.Status = status;
        S.Phase = JobPhase.Finished;
        S.FinishedAt = _time.GetUtcNow();
        S.Error = error;
        foreach (var file in S.Files.Where(f => f.Status == FileStatus.Processing))
        {
            file.Status = FileStatus.Pending;
        }
        Emit(status.TerminalEventType());
    }

    private async Task AfterFinishAsync()
    {
        await CommitAsync();
        await AnnounceAsync();
        await UnregisterAsync(WakeReminder);
        // Due after the TTL; if deleting fails then (S3 down), the next try is one reminder period later.
        await this.RegisterOrUpdateReminder(RetentionReminder, _options.Ttl, _options.ReminderPeriod);
    }

    private async Task ExpireAsync()
    {
        if (Exists)
        {
            if (S.ArchiveKey is { } key)
            {
                await _exports.DeleteAsync(key, CancellationToken.None);
            }
            _logger.LogInformation("Job {JobId} expired: state and export deleted", JobId);
            await GrainFactory.GetGrain<IOwnerJobsGrain>(S.Owner).Remove(JobId);
            await _state.ClearStateAsync();
        }
        await UnregisterAsync(RetentionReminder);
        await UnregisterAsync(WakeReminder);
        DeactivateOnIdle();
    }

    /// <summary>
    /// Registers the wake-up reminder unless it is registered or being registered: the work timer
    /// starts (interleaved) while Initiate still awaits its registration, and must not write it twice.
    /// </summary>
    private Task EnsureWakeReminderAsync()
    {
        if (_wakeRegistered)
        {
            return Task.CompletedTask;
        }
        if (_wakeRegistration is { IsCompleted: false } pending)
        {
            return pending;
        }
        return _wakeRegistration = TryRegisterWakeReminderAsync();
    }

    private async Task TryRegisterWakeReminderAsync()
    {
        try
        {
            await this.RegisterOrUpdateReminder(WakeReminder, _options.ReminderPeriod, _options.ReminderPeriod);
            _wakeRegistered = true;
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Job {JobId} could not register its wake-up reminder yet", JobId);
        }
    }

    /// <summary>Puts <c>job_id</c> on every log line written inside it.</summary>
    private IDisposable? JobScope() => _logger.BeginScope(new Dictionary<string, object> { ["job_id"] = JobId });

    /// <summary>Tells the owner's index the job's status; the index heals itself from these.</summary>
    private async Task AnnounceAsync()
    {
        try
        {
            await GrainFactory.GetGrain<IOwnerJobsGrain>(S.Owner).Upsert(new JobSummary
            {
                JobId = JobId,
                Status = S.Status,
                FilesTotal = S.Files.Count,
                CreatedAt = S.CreatedAt,
                UpdatedAt = S.UpdatedAt,
            });
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Job {JobId} could not update its owner's index", JobId);
        }
    }

    private async Task UnregisterAsync(string name)
    {
        if (await this.GetReminder(name) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>Records a new event; it is published once the state holding it is persisted.</summary>
    private void Emit(JobEventType type, FileResult? file = null)
    {
        var now = _time.GetUtcNow();
        S.Seq++;
        S.UpdatedAt = now;
        S.Percent = Math.Max(S.Percent, ComputePercent());
        _outbox.Enqueue(new JobEvent
        {
            Type = type,
            JobId = JobId,
            Seq = S.Seq,
            Progress = Progress(),
            File = file,
            At = now,
            Error = type is JobEventType.Failed ? S.Error : null,
        });
    }

    /// <summary>
    /// Persists the state; concurrent callers share writes (group commit), and each returns only after
    /// a write that began after its change. Then publishes every event that is now persisted, in order.
    /// </summary>
    private async Task CommitAsync()
    {
        _dirty = true;
        while (_dirty)
        {
            if (_writeInFlight is { } inFlight)
            {
                try
                {
                    await inFlight;
                }
                catch
                {
                    // Its owner reports the failure; this caller writes again.
                }
                continue;
            }
            _dirty = false;
            var seq = S.Seq;
            var view = Snapshot(withUrls: false);
            var write = WriteWithRetriesAsync();
            _writeInFlight = write;
            try
            {
                await write;
                _persistedSeq = Math.Max(_persistedSeq, seq);
                if (_persistedView is null || view.Seq >= _persistedView.Seq)
                {
                    _persistedView = view;
                }
            }
            finally
            {
                if (ReferenceEquals(_writeInFlight, write))
                {
                    _writeInFlight = null;
                }
            }
        }
        await PublishPersistedAsync();
    }

    /// <summary>
    /// A storage blip (Redis restarting) is ridden out for about 20 s rather than failing the job; a
    /// write that lost to another activation (InconsistentStateException) is not retried.
    /// </summary>
    private Task WriteWithRetriesAsync() =>
        RunOnGrainAsync(StorageRetry, _ => _state.WriteStateAsync(), CancellationToken.None);

    /// <summary>
    /// Runs a Polly pipeline whose callback touches grain state: retries must resume on the grain's
    /// scheduler, which Polly only does when told to continue on the captured context.
    /// </summary>
    private static async Task RunOnGrainAsync(ResiliencePipeline pipeline, Func<CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(continueOnCapturedContext: true, cancellationToken);
        try
        {
            await pipeline.ExecuteAsync(static async (ctx, run) => await run(ctx.CancellationToken), context, action);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private static readonly ResiliencePipeline StorageRetry = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = 8,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(250),
            MaxDelay = TimeSpan.FromSeconds(5),
            ShouldHandle = new PredicateBuilder().Handle<Exception>(ex => ex is not Orleans.Storage.InconsistentStateException),
        })
        .Build();

    private async Task PublishPersistedAsync()
    {
        if (_publishing || _stream is null)
        {
            return;
        }
        _publishing = true;
        try
        {
            while (_outbox.TryPeek(out var next) && next.Seq <= _persistedSeq)
            {
                _outbox.Dequeue();
                _history.Enqueue(next);
                if (_history.Count > HistoryLength)
                {
                    _history.Dequeue();
                }
                try
                {
                    await _stream.OnNextAsync(next);
                    _metrics.Published();
                }
                catch (Exception ex)
                {
                    // Subscribers catch up from the status snapshot; the job goes on.
                    _logger.LogWarning(ex, "Job {JobId} could not publish event {Seq}", JobId, next.Seq);
                }
            }
        }
        finally
        {
            _publishing = false;
        }
    }

    private int ComputePercent()
    {
        var total = S.Files.Count;
        if (S.Status == JobStatus.Completed)
        {
            return 100;
        }
        if (total == 0)
        {
            return 0;
        }
        return S.Phase switch
        {
            JobPhase.Fetching => 90 * S.Files.Count(f => f.IsSettled) / total,
            JobPhase.Bundling => 90 + (_bundleTotal == 0 ? 0 : 9 * _bundledFiles / _bundleTotal),
            _ => 0,
        };
    }

    private int Count(FileStatus status) => S.Files.Count(f => f.Status == status);

    private JobProgress Progress()
    {
        var settled = S.Files.Count(f => f.IsSettled);
        int? eta = null;
        if (S.StartedAt is { } started && !S.Status.IsTerminal() && S.Percent is > 0 and < 100)
        {
            var elapsed = (_time.GetUtcNow() - started).TotalSeconds;
            eta = (int)Math.Ceiling(elapsed * (100 - S.Percent) / S.Percent);
        }
        return new JobProgress
        {
            Status = S.Status,
            Phase = S.Phase,
            Percent = S.Percent,
            FilesDone = settled,
            FilesTotal = S.Files.Count,
            FilesMissing = Count(FileStatus.Missing),
            FilesFailed = Count(FileStatus.Failed),
            BytesDone = S.Files.Where(f => f.Status == FileStatus.Ready).Sum(f => f.Size ?? 0),
            EtaSeconds = eta,
        };
    }

    private FileResult ToResult(FileState file, bool withUrl, DateTimeOffset expiresAt = default) => new()
    {
        FileId = file.FileId,
        Status = file.Status,
        Size = file.Size,
        Attempts = file.Attempts,
        Error = file.Error,
        Url = withUrl && file.Status == FileStatus.Ready
            ? _source.GetDownloadUrl(new SourceFile(file.FileId, file.Key ?? StorageKeys.Source(file.FileId), file.Size ?? 0), expiresAt)
            : null,
    };

    /// <summary>A stored view with fresh download links for its ready files.</summary>
    private JobSnapshot WithUrls(JobSnapshot stored)
    {
        var expiresAt = _time.GetUtcNow() + _options.UrlExpiry;
        return stored with
        {
            Files = stored.Files.Select(f => f.Status == FileStatus.Ready
                ? f with { Url = _source.GetDownloadUrl(new SourceFile(f.FileId, StorageKeys.Source(f.FileId), f.Size ?? 0), expiresAt) }
                : f).ToList(),
        };
    }

    private JobSnapshot Snapshot(bool withUrls = true)
    {
        var expiresAt = _time.GetUtcNow() + _options.UrlExpiry;
        var files = S.Files.Select(f => ToResult(f, withUrls, expiresAt)).ToList();
        return new JobSnapshot
        {
            JobId = JobId,
            Owner = S.Owner,
            Seq = S.Seq,
            Progress = Progress(),
            Files = files,
            Result = S.Status.IsTerminal() ? Result(files, expiresAt) : null,
            Error = S.Status == JobStatus.Failed ? S.Error : null,
            CreatedAt = S.CreatedAt,
            UpdatedAt = S.UpdatedAt,
            TraceId = ActivityContext.TryParse(S.TraceParent, null, out var trace) ? trace.TraceId.ToString() : null,
        };
    }

    private JobResult Result(IReadOnlyList<FileResult> files, DateTimeOffset expiresAt)
    {
        var ready = Count(FileStatus.Ready);
        var missing = Count(FileStatus.Missing);
        var failed = Count(FileStatus.Failed);
        var hasArchive = S.Status == JobStatus.Completed && S.ArchiveSize is not null && S.ArchiveKey is not null;
        return new JobResult
        {
            SuccessCount = ready,
            MissingCount = missing,
            FailedCount = failed,
            ArchiveUrl = hasArchive ? _exports.GetDownloadUrl(S.ArchiveKey!, $"{JobId}.zip", expiresAt) : null,
            DownloadUrls = files.Where(f => f.Url is not null).Select(f => f.Url!).ToList(),
            ExpiresAt = hasArchive ? expiresAt : null,
            Message = S.Status switch
            {
                JobStatus.Completed => $"{ready} of {S.Files.Count} files ready; {missing} missing, {failed} failed.",
                JobStatus.Cancelled => "The job was cancelled.",
                _ => S.Error,
            },
        };
    }
}
