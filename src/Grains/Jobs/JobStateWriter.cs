using Delineate.Abstractions;
using Polly;

namespace Delineate.Grains.Jobs;

/// <summary>
/// Persists a job's state with group commit: concurrent callers share writes, and each returns only
/// after a write that began after its change. A storage blip (Redis restarting) is ridden out for
/// about 20 s (<see cref="Resilience.ResiliencePipelines.JobStateWrite"/>); a retry carries the same version tag, so a write whose answer was lost is recognised
/// (<see cref="Intake.JobGrainStorage"/>). A write that lost to another activation
/// (<see cref="Orleans.Storage.InconsistentStateException"/>) is not retried.
/// </summary>
public sealed class JobStateWriter(IPersistentState<DownloadJobState> state, ResiliencePipeline retry, Func<JobSnapshot> storedView)
{
    private Task? _inFlight;
    private bool _dirty;

    /// <summary>The highest seq known to be stored.</summary>
    public long PersistedSeq { get; private set; } = state.State.Seq;

    /// <summary>The view (no links) of the state last stored; null until this activation knows it.</summary>
    public JobSnapshot? PersistedView { get; private set; }

    /// <summary>Takes the loaded state as stored (an activation that read its record).</summary>
    public void MarkLoaded()
    {
        PersistedSeq = state.State.Seq;
        PersistedView = state.RecordExists ? storedView() : null;
    }

    /// <summary>
    /// The stored view when the state holds progress not yet stored (a successor could take it back),
    /// else null: the state may be shown. An unstored admission alone may be shown (seq
    /// <paramref name="admittedSeq"/>): a successor admits the job the same way.
    /// </summary>
    public JobSnapshot? StoredViewIfBehind(long admittedSeq)
    {
        var stored = PersistedView;
        var current = state.State.Seq;
        if (stored is null || stored.Seq >= current)
        {
            return null;
        }
        if (current == admittedSeq && stored.Seq == admittedSeq - 1)
        {
            return null;
        }
        if (stored.Seq >= admittedSeq || admittedSeq < 0)
        {
            return stored;
        }
        // The admission waits in the same write as the first progress: show it, with the files in flight.
        var inFlight = state.State.Files.Where(f => f.Status == FileStatus.Processing).Select(f => f.FileId).ToHashSet();
        return stored with
        {
            Progress = stored.Progress with { Status = JobStatus.Processing, Phase = JobPhase.Fetching },
            Files = stored.Files.Select(f => f.Status == FileStatus.Pending && inFlight.Contains(f.FileId) ? f with { Status = FileStatus.Processing } : f).ToList(),
        };
    }

    /// <summary>Returns once a write that began after this call has stored the state.</summary>
    public async Task CommitAsync()
    {
        _dirty = true;
        while (_dirty)
        {
            if (_inFlight is { } inFlight)
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
            var seq = state.State.Seq;
            var view = storedView();
            var write = WriteWithRetriesAsync();
            _inFlight = write;
            try
            {
                await write;
                PersistedSeq = Math.Max(PersistedSeq, seq);
                if (PersistedView is null || view.Seq >= PersistedView.Seq)
                {
                    PersistedView = view;
                }
            }
            finally
            {
                if (ReferenceEquals(_inFlight, write))
                {
                    _inFlight = null;
                }
            }
        }
    }

    private Task WriteWithRetriesAsync() => OnGrain.RunAsync(retry, _ => state.WriteStateAsync(), CancellationToken.None);
}
