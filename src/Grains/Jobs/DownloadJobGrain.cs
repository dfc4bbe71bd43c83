using System.Diagnostics;
using Delineate.Abstractions;
using Delineate.Grains.Intake;
using Delineate.Grains.Options;
using Delineate.Grains.Resilience;
using Delineate.Grains.Storage;
using Delineate.Grains.Webhooks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Timers;
using Polly.Registry;

namespace Delineate.Grains.Jobs;

/// <summary>
/// One download job: its lifecycle and state transitions. The intake (<see cref="JobIntake"/>) stores
/// it as queued; it runs once its shard admits it, in an interleaving grain timer, so status and
/// cancel calls are answered while it runs. From admission on, and while its webhook is pending, a
/// wake-up reminder restarts it on another silo if this one dies. Events are stored before published.
/// </summary>
[RandomPlacement]
public sealed class DownloadJobGrain(
    [PersistentState(DownloadJobGrain.StateName, DownloadJobGrain.StorageName)] IPersistentState<DownloadJobState> state,
    FileFetcher fetcher,
    JobBundler bundler,
    JobRetry retry,
    IFileSource source,
    IExportStore exports,
    IOptions<JobOptions> options,
    TimeProvider time,
    JobMetrics metrics,
    IReminderRegistry reminders,
    LocalSilo silo,
    WebhookSender webhooks,
    ResiliencePipelineProvider<string> pipelines,
    ILogger<DownloadJobGrain> logger) : Grain, IDownloadJobGrain, IRemindable, JobBundler.IProgress
{
    public const string StateName = "job";
    public const string StorageName = "jobs";
    private const string RetentionReminder = "retention";

    private readonly JobOptions _options = options.Value;
    private readonly CancellationToken _stopping = silo.Stopping;
    private JobEventLog _events = null!;
    private JobStateWriter _writer = null!;
    private JobWakeReminder _wake = null!;
    private WebhookDelivery _webhook = null!;
    private IGrainTimer? _workTimer;
    private Task _run = Task.CompletedTask;
    private CancellationTokenSource? _cancel;
    private bool _pausing;
    /// <summary>The seq of the admission event while it waits to be stored with the first progress.</summary>
    private long _admittedSeq = -1;

    private Guid JobId => this.GetPrimaryKey();
    private DownloadJobState S => state.State;
    private bool Exists => state.RecordExists;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _events = new JobEventLog(JobId, JobEventLog.StreamOf(this.GetStreamProvider(StreamNames.Provider), JobId), S.Seq, metrics, logger);
        _writer = new JobStateWriter(state, pipelines.GetPipeline(ResiliencePipelines.JobStateWrite), () => JobReadModel.Snapshot(JobId, S, time.GetUtcNow(), links: null));
        _writer.MarkLoaded();
        _wake = new JobWakeReminder(reminders, this.GetGrainId(), _options.ReminderPeriod, logger);
        _webhook = webhooks.Attach(this, JobId, state, _wake, CommitAsync, logger);
        // Only an admitted job runs by itself; a queued one waits for its shard (a status call must not start it).
        if (Exists && S.Status == JobStatus.Processing)
        {
            StartWork();
        }
        return Task.CompletedTask;
    }

    public Task<bool> Admit()
    {
        var admitted = Exists && !S.Status.IsTerminal();
        if (admitted)
        {
            StartWork();
        }
        return Task.FromResult(admitted);
    }

    /// <summary>What is stored, never more: while progress waits to be stored, the stored view is answered.</summary>
    public Task<JobSnapshot?> GetStatus()
    {
        if (!Exists)
        {
            return Task.FromResult<JobSnapshot?>(null);
        }
        var links = JobLinks.For(source, exports, time.GetUtcNow() + _options.UrlExpiry);
        var snapshot = _writer.StoredViewIfBehind(_admittedSeq) is { } stored
            ? JobReadModel.WithLinks(stored, stored.Progress.Status == JobStatus.Completed && S.ArchiveSize is not null ? S.ArchiveKey : null, links)
            : JobReadModel.Snapshot(JobId, S, time.GetUtcNow(), links) with { Seq = Math.Min(S.Seq, _writer.PersistedSeq) };
        return Task.FromResult<JobSnapshot?>(snapshot);
    }

    /// <summary>An unstored admission shows as processing, at the stored seq: a successor could not take a seq back.</summary>
    public Task<JobHeader?> GetHeader() => Task.FromResult(!Exists ? null
        : _writer.StoredViewIfBehind(_admittedSeq) is { } stored ? JobReadModel.Header(stored)
        : JobReadModel.Header(JobId, S) with { Seq = Math.Min(S.Seq, _writer.PersistedSeq) });

    public Task<IReadOnlyList<JobEvent>?> GetEventsAfter(long afterSeq) => Task.FromResult(_events.After(afterSeq));

    /// <summary>From the job's own reminder, its shard re-driving it, or a silo handing it over: it was admitted.</summary>
    public Task Wake() => Admit();

    public async Task<CancelOutcome> Cancel()
    {
        if (!Exists || S.Status.IsTerminal())
        {
            return Exists ? CancelOutcome.AlreadyFinished : CancelOutcome.NotFound;
        }
        using var scope = JobScope();
        // Mark first, then stop the work: its cancellation handlers see a terminal state.
        await FinishAsync(JobStatus.Cancelled, null, beforeStore: () => _cancel?.Cancel());
        return CancelOutcome.Cancelled;
    }

    public Task EndRetention() => JobRemoval.EndRetentionAsync(JobId, state, exports, _wake, DeactivateOnIdle);

    public Task<PurgeOutcome> Purge() => JobRemoval.PurgeAsync(JobId, state, exports, _wake, DeactivateOnIdle);

    public Task<RetryOutcome> Retry(RetryJobRequest request) => retry.RetryAsync(JobId, state, _writer, _events, request, _run);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // A retention reminder was left by builds that kept one per job; the shards sweep retention now.
        if (reminderName == RetentionReminder || !Exists || S.Status.IsTerminal())
        {
            await (reminderName == RetentionReminder ? Task.WhenAll(EndRetention(), _wake.RemoveAsync(RetentionReminder)) : _webhook.SettleAsync());
            return;
        }
        _wake.Fired();
        StartWork();
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (!Exists || S.Status.IsTerminal() || _workTimer is null)
        {
            return Task.CompletedTask;
        }
        // Stop the work; what is settled is persisted already, in-flight files are fetched again.
        _pausing = true;
        _cancel?.Cancel();
        // Hand the job over now, not at the next reminder tick; alone (embedded) there is nobody to hand it to.
        if (reason.ReasonCode == DeactivationReasonCode.ShuttingDown && silo.HasActivePeer)
        {
            this.AsReference<IDownloadJobGrain>().Wake().Ignore();
        }
        return Task.CompletedTask;
    }

    private void StartWork()
    {
        if (_workTimer is not null)
        {
            return;
        }
        _cancel = new CancellationTokenSource();
        _workTimer = this.RegisterGrainTimer(static (grain, token) => grain._run = grain.RunAsync(token), this,
            new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = Timeout.InfiniteTimeSpan, Interleave = true, KeepAlive = true });
    }

    private async Task RunAsync(CancellationToken timerToken)
    {
        using var scope = JobScope();
        // The run's span joins the initiating request's trace; the lines logged in it carry its ids.
        using var activity = JobTelemetry.StartJobActivity("job.run", S.TraceParent, JobId);
        if (S.Status == JobStatus.Queued)
        {
            // The processing write is joined to the first progress write; its event goes out now. Status
            // answers keep the stored seq (a successor re-admits at this seq), so a follower that joins
            // after it fills the gap from the event history (JobEventRelay).
            JobTransitions.Admit(S, time.GetUtcNow(), _options.Timeout);
            _events.Emit(S, JobEventType.Progress, null, time.GetUtcNow());
            _admittedSeq = S.Seq;
            await _events.PublishUpToAsync(_admittedSeq);
            metrics.Initiated();
            logger.LogInformation("Job {JobId} started", JobId);
        }
        else
        {
            metrics.Resumed();
            logger.LogInformation("Job {JobId} resumed in {Phase} (run {Run})", JobId, S.Phase, S.Runs + 1);
        }
        var remaining = S.Deadline - time.GetUtcNow();
        using var deadline = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, time);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(_cancel!.Token, deadline.Token, timerToken, _stopping);
        metrics.RunStarted();
        try
        {
            await _wake.EnsureAsync();
            S.Runs++;
            work.Token.ThrowIfCancellationRequested();
            if (S.Phase == JobPhase.Fetching)
            {
                await JobFetch.FetchAllAsync(S, fetcher, metrics, _options.JobConcurrency, file =>
                {
                    _events.Emit(S, JobEventType.Progress, JobReadModel.File(file, links: null), time.GetUtcNow());
                    return CommitAsync();
                }, work.Token);
                S.Phase = JobPhase.Bundling;
                _events.Emit(S, JobEventType.Progress, null, time.GetUtcNow());
                await CommitAsync();
            }
            if (S.Files.All(f => f.Status != FileStatus.Ready))
            {
                await FinishAsync(JobStatus.Failed, "None of the requested files is available.");
                return;
            }
            await bundler.BundleAsync(JobId, S, this, work.Token);
            await FinishAsync(JobStatus.Completed, null);
        }
        catch (OperationCanceledException) when (S.Status.IsTerminal())
        {
            // Cancelled by a client: Cancel() has recorded it.
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !timerToken.IsCancellationRequested)
        {
            logger.LogWarning("Job {JobId} passed its deadline", JobId);
            await FinishAsync(JobStatus.Failed, "The job did not finish before its deadline (JOB_TIMEOUT_MS).");
        }
        catch (Exception ex) when (_pausing || _stopping.IsCancellationRequested || timerToken.IsCancellationRequested)
        {
            // The activation or the silo is going away (its services may be disposed already): pause, never fail.
            logger.LogInformation("Job {JobId} paused while its activation goes away ({Reason}); the reminder resumes it", JobId, ex.GetType().Name);
        }
        catch (Orleans.Storage.InconsistentStateException ex)
        {
            // Another activation of this job wrote after us (a silo wrongly declared dead came back).
            logger.LogWarning(ex, "Job {JobId} state was written elsewhere; deactivating this copy", JobId);
            DeactivateOnIdle();
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            logger.LogError(ex, "Job {JobId} failed", JobId);
            await TryFailAsync(S.Phase == JobPhase.Bundling && TransientErrors.IsTransient(ex)
                ? $"The archive could not be stored: export storage did not answer after {_options.MaxAttempts} attempts."
                : "The job hit an internal error.");
        }
        finally
        {
            metrics.RunEnded();
            _workTimer?.Dispose();
            _workTimer = null;
        }
    }

    Task JobBundler.IProgress.BundledAsync(int done, int total)
    {
        _events.Emit(S, JobEventType.Progress, null, time.GetUtcNow(), done, total);
        return CommitAsync();
    }

    Task JobBundler.IProgress.CommitAsync() => CommitAsync();

    /// <summary>
    /// The terminal write also frees the owner's cap, updates its index and starts the record's retention;
    /// then the shard gets its run slot back and the wake-up reminder goes.
    /// </summary>
    private async Task FinishAsync(JobStatus status, string? error, Action? beforeStore = null)
    {
        if (S.Status.IsTerminal())
        {
            return;
        }
        JobTransitions.Finish(S, status, error, time.GetUtcNow());
        _events.Emit(S, status.TerminalEventType(), null, time.GetUtcNow());
        beforeStore?.Invoke();
        await CommitAsync();
        GrainFactory.GetGrain<IIntakeShardGrain>(IntakeShards.Of(S.Owner)).Finished(JobId).Ignore();
        await _webhook.SettleAsync();
        metrics.Finished(status, (S.FinishedAt ?? time.GetUtcNow()) - S.CreatedAt);
        JobLog.Finished(logger, JobId, S);
    }

    private async Task TryFailAsync(string reason)
    {
        try
        {
            await FinishAsync(JobStatus.Failed, reason);
        }
        catch (Exception ex)
        {
            // Storage is down too: the wake-up reminder retries later from what was stored.
            logger.LogError(ex, "Job {JobId} could not record its failure", JobId);
            DeactivateOnIdle();
        }
    }

    private IDisposable? JobScope() => logger.BeginScope(new Dictionary<string, object> { ["job_id"] = JobId });

    private async Task CommitAsync()
    {
        await _writer.CommitAsync();
        await _events.PublishUpToAsync(_writer.PersistedSeq);
    }
}
