using Microsoft.Extensions.Logging;
using Orleans.Timers;

namespace Delineate.Grains.Jobs;

/// <summary>
/// A running job's wake-up reminder: registered when the job starts running (never on accept), so a
/// successor silo resumes the job if this one dies; removed when the job finishes. Registered at most
/// once per activation, even when the interleaved work and a wake call both ask for it.
/// </summary>
public sealed class JobWakeReminder(IReminderRegistry reminders, GrainId job, TimeSpan period, ILogger logger)
{
    public const string Name = "wake";
    private IGrainReminder? _reminder;
    private Task? _registering;
    private bool _exists;

    /// <summary>The reminder woke the job: it exists, no need to register it again.</summary>
    public void Fired() => _exists = true;

    public Task EnsureAsync()
    {
        if (_reminder is not null || _exists)
        {
            return Task.CompletedTask;
        }
        return _registering is { IsCompleted: false } pending ? pending : _registering = RegisterAsync();
    }

    private async Task RegisterAsync()
    {
        try
        {
            _reminder = await reminders.RegisterOrUpdateReminder(job, Name, period, period);
        }
        catch (Exception ex)
        {
            // The shard's admitted set re-drives the job if its silo dies before the reminder exists.
            logger.LogWarning(ex, "Job {GrainId} could not register its wake-up reminder yet", job);
        }
    }

    public Task RemoveAsync() => RemoveAsync(Name);

    /// <summary>Removes a reminder of the job by name (also ones left by older builds).</summary>
    public async Task RemoveAsync(string name)
    {
        var reminder = name == Name && _reminder is not null ? _reminder : await reminders.GetReminder(job, name);
        if (reminder is not null)
        {
            await reminders.UnregisterReminder(job, reminder);
        }
        if (name == Name)
        {
            (_reminder, _exists) = (null, false);
        }
    }
}
