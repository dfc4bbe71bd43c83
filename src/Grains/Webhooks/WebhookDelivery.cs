using Delineate.Abstractions;
using Delineate.Grains.Jobs;
using Microsoft.Extensions.Logging;

namespace Delineate.Grains.Webhooks;

/// <summary>
/// Drives one job activation's webhook delivery. The delivery state is persisted with the job's
/// state (its terminal write already holds it as pending), so it outlives the silo: while a delivery
/// is pending the job keeps its wake-up reminder, which reactivates it on another silo after a crash,
/// and the activation resumes the schedule from the stored next-attempt time. Attempts run in an
/// interleaving grain timer: status calls are answered meanwhile. Delivery is at least once (an
/// attempt whose outcome was not stored yet is made again): receivers de-duplicate by job id and seq.
/// </summary>
public sealed class WebhookDelivery(
    IGrainBase grain,
    Guid jobId,
    IPersistentState<DownloadJobState> state,
    JobWakeReminder wake,
    Func<Task> commit,
    WebhookSender sender,
    TimeProvider time,
    ILogger logger)
{
    private IGrainTimer? _timer;
    private bool _busy;
    /// <summary>Another activation of the job wrote its state: this one no longer delivers.</summary>
    private bool _superseded;
    /// <summary>An outcome is held that storage did not take yet.</summary>
    private bool _unsaved;

    /// <summary>A finished job whose webhook is still to be delivered.</summary>
    public bool IsPending => state.RecordExists && state.State.Status.IsTerminal() && state.State.Webhook is { Status: WebhookStatus.Pending };

    /// <summary>A finished job whose webhook was delivered or given up (not one that runs again).</summary>
    private bool IsSettled => state.RecordExists && state.State.Status.IsTerminal() && state.State.Webhook is { Status: not WebhookStatus.Pending };

    /// <summary>
    /// After the terminal write, or on a reminder of a finished job: keeps the wake-up reminder and
    /// schedules the next attempt while a delivery is pending, else removes the reminder.
    /// </summary>
    public async Task SettleAsync()
    {
        if (_unsaved && !_superseded && state.RecordExists)
        {
            await commit();
            _unsaved = false;
        }
        if (!IsPending)
        {
            await wake.RemoveAsync();
            return;
        }
        await wake.EnsureAsync();
        Resume();
    }

    /// <summary>Schedules the next attempt of a pending delivery at its due time, unless one is scheduled or running.</summary>
    public void Resume()
    {
        if (!IsPending || _busy || _superseded)
        {
            return;
        }
        _busy = true;
        var due = (state.State.Webhook!.NextAttemptAt ?? time.GetUtcNow()) - time.GetUtcNow();
        due = due > TimeSpan.Zero ? due : TimeSpan.Zero;
        if (_timer is null)
        {
            _timer = grain.RegisterGrainTimer(static (delivery, token) => delivery.AttemptAsync(token), this,
                new GrainTimerCreationOptions { DueTime = due, Period = Timeout.InfiniteTimeSpan, Interleave = true, KeepAlive = true });
        }
        else
        {
            _timer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private async Task AttemptAsync(CancellationToken stopping)
    {
        // The lines it logs carry the job's id, as the job's own do.
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["job_id"] = jobId });
        bool again;
        try
        {
            again = await AttemptOnceAsync(stopping);
        }
        finally
        {
            _busy = false;
        }
        if (again)
        {
            Resume();
            return;
        }
        // Nothing is due: the timer goes (a later Resume makes a new one), so it keeps nothing alive.
        _timer?.Dispose();
        _timer = null;
        if (IsSettled && !_unsaved && !_superseded)
        {
            await wake.RemoveAsync();
        }
    }

    /// <summary>Makes the due attempt and stores its outcome; true when another attempt is to be scheduled.</summary>
    private async Task<bool> AttemptOnceAsync(CancellationToken stopping)
    {
        if (!IsPending)
        {
            return false;
        }
        var hook = state.State.Webhook!;
        if (hook.NextAttemptAt > time.GetUtcNow())
        {
            return true;
        }
        try
        {
            // A successor must find the reminder if this silo dies during the attempt.
            await wake.EnsureAsync();
            var outcome = await TrySendAsync(hook, stopping);
            if (outcome is not { } attempt || !IsPending || !ReferenceEquals(hook, state.State.Webhook))
            {
                // The activation is going away, or the job was removed (retention ended, or purged) or ran again meanwhile.
                return false;
            }
            var now = time.GetUtcNow();
            if (attempt.Delivered)
            {
                hook.Delivered(now);
                logger.LogInformation("Job {JobId} webhook delivered on attempt {Attempt}", jobId, hook.Attempts);
            }
            else
            {
                hook.Failed(attempt.Error!, attempt.Final, now, sender.Options, Random.Shared.NextDouble());
                LogFailure(hook);
            }
            _unsaved = true;
            await commit();
            _unsaved = false;
            return hook.Status == WebhookStatus.Pending;
        }
        catch (Orleans.Storage.InconsistentStateException ex)
        {
            _superseded = true;
            logger.LogWarning(ex, "Job {JobId} state was written elsewhere; this copy stops delivering its webhook", jobId);
            return false;
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            // Storage did not take the outcome: the next reminder tick goes on from what this activation holds.
            logger.LogWarning(ex, "Job {JobId} could not record its webhook attempt", jobId);
            return false;
        }
    }

    /// <summary>The attempt's outcome; null when the activation is going away (the attempt does not count).</summary>
    private async Task<WebhookAttempt?> TrySendAsync(WebhookState hook, CancellationToken stopping)
    {
        try
        {
            return await sender.SendAsync(jobId, state.State, hook, hook.Attempts + 1, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex) when (!stopping.IsCancellationRequested)
        {
            return WebhookAttempt.Retry($"could not be sent ({ex.GetType().Name})");
        }
    }

    private void LogFailure(WebhookState hook)
    {
        if (hook.Status == WebhookStatus.Failed)
        {
            logger.LogWarning("Job {JobId} webhook attempt {Attempt} failed: {Error}; giving up", jobId, hook.Attempts, hook.LastError);
        }
        else
        {
            logger.LogInformation("Job {JobId} webhook attempt {Attempt} failed: {Error}; next at {NextAttemptAt:O}",
                jobId, hook.Attempts, hook.LastError, hook.NextAttemptAt);
        }
    }
}
