using System.Diagnostics;
using Delineate.Abstractions;
using Delineate.Grains.Intake;
using Delineate.Grains.Options;
using Delineate.Grains.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using Orleans.Streams;

namespace Delineate.Grains.Jobs;

/// <summary>
/// One download job: its lifecycle and state transitions. Its record is written by the intake
/// (<see cref="JobIntake"/>) as queued; it runs once its shard admits it, in an interleaving grain
/// timer, so status and cancel calls are answered while it runs. From admission on, a wake-up
/// reminder restarts the work on another silo if this one dies. Events are persisted before they
/// are published (<see cref="JobEventLog"/>, <see cref="JobStateWriter"/>).
/// </summary>
[PreferLocalPlacement]
public sealed class DownloadJobGrain(
    [PersistentState(DownloadJobGrain.StateName, DownloadJobGrain.StorageName)] IPersistentState<DownloadJobState> state,
    FileFetcher fetcher,
    JobBundler bundler,
    IFileSource source,
    IExportStore exports,
    IOptions<JobOptions> options,
    TimeProvider time,
    JobMetrics metrics,
    IClusterMembershipService membership,
    ILocalSiloDetails silo,
    IHostApplicationLifetime lifetime,
    ILogger<DownloadJobGrain> logger) : Grain, IDownloadJobGrain, IRemindable, JobBundler.IProgress
{
    public const string StateName = "job";
    public const string StorageName = "jobs";
    private const string WakeReminder = "wake";
    private const string RetentionReminder = "retention";

    private readonly JobOptions _options = options.Value;
    private readonly CancellationToken _stopping = lifetime.ApplicationStopping;
    private JobEventLog _events = null!;
    private JobStateWriter _writer = null!;
    private IGrainTimer? _workTimer;
    private CancellationTokenSource? _cancel;
    private IGrainReminder? _wake;
    private Task? _wakeRegistration;
    private bool _pausing;
    /// <summary>The seq of the admission event while it waits to be stored with the first progress.</summary>
    private long _admittedSeq = -1;
    private int _bundled;
    private int _bundleTotal;

    private Guid JobId => this.GetPrimaryKey();
    private DownloadJobState S => state.State;
    private bool Exists => state.RecordExists;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stream = this.GetStreamProvider(StreamNames.Provider).GetStream<JobEvent>(
            StreamId.Create(StreamNames.PartitionNamespace, StreamNames.PartitionKey(StreamNames.PartitionOf(JobId))));
        _events = new JobEventLog(stream, S.Seq, metrics, logger);
        _writer = new JobStateWriter(state, () => JobReadModel.Snapshot(JobId, S, time.GetUtcNow(), links: null));
        _writer.MarkLoaded();
        // Only an admitted job runs by itself; a queued one waits for its shard (a status call must not start it).
        if (Exists && S.Status == JobStatus.Processing)
        {
            StartWork();
        }
        return Task.CompletedTask;
    }

    public Task<bool> Admit()
    {
        if (!Exists || S.Status.IsTerminal())
        {
            return Task.FromResult(false);
        }
        StartWork();
        return Task.FromResult(true);
    }

    /// <summary>What is stored, never more: while a write is pending the last stored view is answered.</summary>
    public Task<JobSnapshot?> GetStatus()
    {
        if (!Exists)
        {
            return Task.FromResult<JobSnapshot?>(null);
        }
        var links = JobLinks.For(source, exports, time.GetUtcNow() + _options.UrlExpiry);
        var snapshot = StoredViewIfBehind() is { } stored
            ? JobReadModel.WithLinks(stored, stored.Progress.Status == JobStatus.Completed && S.ArchiveSize is not null ? S.ArchiveKey : null, links)
            : JobReadModel.Snapshot(JobId, S, time.GetUtcNow(), links);
        return Task.FromResult<JobSnapshot?>(snapshot);
    }

    public Task<JobHeader?> GetHeader()
    {
        if (!Exists)
        {
            return Task.FromResult<JobHeader?>(null);
        }
        var header = StoredViewIfBehind() is { } stored
            ? new JobHeader { JobId = JobId, Owner = S.Owner, Seq = stored.Seq, Status = stored.Progress.Status, Percent = stored.Progress.Percent }
            : JobReadModel.Header(JobId, S);
        return Task.FromResult<JobHeader?>(header);
    }

    /// <summary>
    /// The stored view when the state holds progress not yet stored (a successor could take it back);
    /// null when the state may be shown. The admission alone may: a successor admits the job the same way.
    /// </summary>
    private JobSnapshot? StoredViewIfBehind()
    {
        var stored = _writer.PersistedView;
        if (stored is null || stored.Seq >= S.Seq)
        {
            return null;
        }
        return S.Seq == _admittedSeq && stored.Seq == _admittedSeq - 1 ? null : stored;
    }

    public Task<IReadOnlyList<JobEvent>?> GetEventsAfter(long afterSeq) => Task.FromResult(_events.After(afterSeq));

    /// <summary>From the job's own reminder or its shard re-driving it: it was admitted, so it runs.</summary>
    public Task Wake() => Admit();

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
        metrics.Finished(JobStatus.Cancelled, (S.FinishedAt ?? time.GetUtcNow()) - S.CreatedAt);
        logger.LogInformation("Job {JobId} cancelled", JobId);
        return CancelOutcome.Cancelled;
    }

    public async Task Expire()
    {
        if (Exists)
        {
            await exports.DeleteAsync(S.ArchiveKey ?? StorageKeys.Export(JobId), CancellationToken.None);
            await state.ClearStateAsync();
        }
        await UnregisterAsync(WakeReminder);
        DeactivateOnIdle();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == RetentionReminder)
        {
            // Left by builds that kept one retention reminder per job; the shards sweep retention now.
            await Expire();
            await UnregisterAsync(RetentionReminder);
            return;
        }
        if (!Exists || S.Status.IsTerminal())
        {
            await UnregisterAsync(WakeReminder);
            return;
        }
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
        if (reason.ReasonCode == DeactivationReasonCode.ShuttingDown && HasOtherActiveSilo())
        {
            // Hand the job over now rather than at the next reminder tick. With no other silo (embedded
            // mode) there is nobody to hand it to: the message could only fail.
            this.AsReference<IDownloadJobGrain>().Wake().Ignore();
        }
        return Task.CompletedTask;
    }

    private bool HasOtherActiveSilo() =>
        membership.CurrentSnapshot.Members.Values.Any(m => m.Status == SiloStatus.Active && !m.SiloAddress.Equals(silo.SiloAddress));

    private void StartWork()
    {
        if (_workTimer is not null)
        {
            return;
        }
        _cancel = new CancellationTokenSource();
        _workTimer = this.RegisterGrainTimer(static (grain, token) => grain.RunAsync(token), this,
            new GrainTimerCreationOptions { DueTime = TimeSpan.Zero, Period = Timeout.InfiniteTimeSpan, Interleave = true, KeepAlive = true });
    }

    private async Task RunAsync(CancellationToken timerToken)
    {
        using var scope = JobScope();
        if (S.Status == JobStatus.Queued)
        {
            // Admitted: the deadline runs from now, so a backlog does not fail jobs before they run. The
            // processing write is joined to the first progress write.
            S.Status = JobStatus.Processing;
            S.Phase = JobPhase.Fetching;
            S.StartedAt = time.GetUtcNow();
            S.Deadline = S.StartedAt.Value + _options.Timeout;
            Emit(JobEventType.Progress);
            _admittedSeq = S.Seq;
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
        using var activity = JobTelemetry.StartJobActivity("job.run", S.TraceParent, JobId);
        metrics.RunStarted();
        try
        {
            await EnsureWakeReminderAsync();
            S.Runs++;
            work.Token.ThrowIfCancellationRequested();
            if (S.Phase == JobPhase.Fetching)
            {
                await JobFetch.FetchAllAsync(S, fetcher, metrics, _options.JobConcurrency, FileSettledAsync, work.Token);
                S.Phase = JobPhase.Bundling;
                Emit(JobEventType.Progress);
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

    private Task FileSettledAsync(FileState file)
    {
        Emit(JobEventType.Progress, JobReadModel.File(file, links: null));
        return CommitAsync();
    }

    async Task JobBundler.IProgress.BundledAsync(int done, int total)
    {
        (_bundled, _bundleTotal) = (done, total);
        Emit(JobEventType.Progress);
        await CommitAsync();
    }

    Task JobBundler.IProgress.CommitAsync() => CommitAsync();

    private async Task FinishAsync(JobStatus status, string? error)
    {
        if (S.Status.IsTerminal())
        {
            return;
        }
        MarkFinished(status, error);
        await AfterFinishAsync();
        metrics.Finished(status, (S.FinishedAt ?? time.GetUtcNow()) - S.CreatedAt);
        logger.LogInformation("Job {JobId} finished {Status}: {Ready} ready, {Missing} missing, {Failed} failed", JobId, status,
            S.Files.Count(f => f.Status == FileStatus.Ready), S.Files.Count(f => f.Status == FileStatus.Missing), S.Files.Count(f => f.Status == FileStatus.Failed));
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

    private void MarkFinished(JobStatus status, string? error)
    {
        S.Status = status;
        S.Phase = JobPhase.Finished;
        S.FinishedAt = time.GetUtcNow();
        S.Error = error;
        foreach (var file in S.Files.Where(f => f.Status == FileStatus.Processing))
        {
            file.Status = FileStatus.Pending;
        }
        Emit(status.TerminalEventType());
    }

    /// <summary>The terminal write also frees the owner's cap, updates its index and sets the record's expiry.</summary>
    private async Task AfterFinishAsync()
    {
        await CommitAsync();
        GrainFactory.GetGrain<IIntakeShardGrain>(IntakeShards.Of(S.Owner)).Finished(JobId).Ignore();
        await UnregisterAsync(WakeReminder);
    }

    private Task EnsureWakeReminderAsync()
    {
        if (_wake is not null)
        {
            return Task.CompletedTask;
        }
        return _wakeRegistration is { IsCompleted: false } pending ? pending : _wakeRegistration = RegisterWakeAsync();
    }

    private async Task RegisterWakeAsync()
    {
        try
        {
            _wake = await this.RegisterOrUpdateReminder(WakeReminder, _options.ReminderPeriod, _options.ReminderPeriod);
        }
        catch (Exception ex)
        {
            // The shard's running set re-drives the job if its silo dies before the reminder exists.
            logger.LogWarning(ex, "Job {JobId} could not register its wake-up reminder yet", JobId);
        }
    }

    private async Task UnregisterAsync(string name)
    {
        var reminder = name == WakeReminder && _wake is not null ? _wake : await this.GetReminder(name);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
        if (name == WakeReminder)
        {
            _wake = null;
        }
    }

    private IDisposable? JobScope() => logger.BeginScope(new Dictionary<string, object> { ["job_id"] = JobId });

    /// <summary>Records a new event; it is published once the state holding it is persisted.</summary>
    private void Emit(JobEventType type, FileResult? file = null)
    {
        var now = time.GetUtcNow();
        S.Seq++;
        S.UpdatedAt = now;
        S.Percent = JobReadModel.Percent(S, _bundled, _bundleTotal);
        _events.Record(new JobEvent
        {
            Type = type,
            JobId = JobId,
            Seq = S.Seq,
            Progress = JobReadModel.Progress(S, now),
            File = file,
            At = now,
            Error = type is JobEventType.Failed ? S.Error : null,
        });
    }

    private async Task CommitAsync()
    {
        await _writer.CommitAsync();
        await _events.PublishUpToAsync(_writer.PersistedSeq);
    }
}
