using Delineate.Abstractions;
using Delineate.Grains.Storage;

namespace Delineate.Grains.Jobs;

/// <summary>
/// The end of a finished job's life: its export and its state (record, owner-index entry, shard sets)
/// deleted, its wake-up reminder gone, its activation deactivated. Reached when its retention ends
/// (the shard's sweep) or when an operator purges it; an unfinished job is never removed this way.
/// </summary>
public static class JobRemoval
{
    /// <summary>Retention ended. A job retried since it was put in the retention set is running again: it stays.</summary>
    public static async Task EndRetentionAsync(Guid jobId, IPersistentState<DownloadJobState> state, IExportStore exports, JobWakeReminder wake, Action deactivate)
    {
        if (state.RecordExists && !state.State.Status.IsTerminal())
        {
            return;
        }
        await RemoveAsync(jobId, state, exports, wake, deactivate);
    }

    /// <summary>An operator's purge: only a finished job (cancel one that runs first).</summary>
    public static async Task<PurgeOutcome> PurgeAsync(Guid jobId, IPersistentState<DownloadJobState> state, IExportStore exports, JobWakeReminder wake, Action deactivate)
    {
        if (!state.RecordExists)
        {
            return PurgeOutcome.NotFound;
        }
        if (!state.State.Status.IsTerminal())
        {
            return PurgeOutcome.Unfinished;
        }
        await RemoveAsync(jobId, state, exports, wake, deactivate);
        return PurgeOutcome.Purged;
    }

    private static async Task RemoveAsync(Guid jobId, IPersistentState<DownloadJobState> state, IExportStore exports, JobWakeReminder wake, Action deactivate)
    {
        if (state.RecordExists)
        {
            await exports.DeleteAsync(state.State.ArchiveKey ?? StorageKeys.Export(jobId), CancellationToken.None);
            await state.ClearStateAsync();
        }
        await wake.RemoveAsync();
        deactivate();
    }
}
