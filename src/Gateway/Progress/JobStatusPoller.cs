using System.Collections.Concurrent;
using Delineate.Abstractions;

namespace Delineate.Gateway.Progress;

/// <summary>
/// The status checks of quiet progress streams, shared per job on this gateway: however many clients
/// follow a job, the gateway asks its grain at most once per <see cref="Interval"/> (a header, which
/// signs no link), and fetches the full snapshot, with its links, only when the job has moved on.
/// Entries older than a few intervals are dropped as the poller is used, so it holds only followed jobs.
/// </summary>
public sealed class JobStatusPoller(IClusterClient cluster, TimeProvider time)
{
    /// <summary>How long one answer serves every follower of the job.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2.5);

    private readonly ConcurrentDictionary<Guid, Entry<JobHeader?>> _headers = new();
    private readonly ConcurrentDictionary<Guid, Entry<JobSnapshot?>> _snapshots = new();
    private long _prunedAt = time.GetTimestamp();

    /// <summary>The job's header, asked of its grain at most once per interval for all its followers here.</summary>
    public Task<JobHeader?> HeaderAsync(Guid jobId) =>
        Shared(_headers, jobId, id => cluster.GetGrain<IDownloadJobGrain>(id).GetHeader());

    /// <summary>The job's snapshot, shared the same way, for followers that must resend one.</summary>
    public Task<JobSnapshot?> SnapshotAsync(Guid jobId) =>
        Shared(_snapshots, jobId, id => cluster.GetGrain<IDownloadJobGrain>(id).GetStatus());

    private Task<T> Shared<T>(ConcurrentDictionary<Guid, Entry<T>> entries, Guid jobId, Func<Guid, Task<T>> ask)
    {
        PruneNowAndThen();
        var now = time.GetTimestamp();
        var entry = entries.AddOrUpdate(
            jobId,
            static (id, state) => new Entry<T>(state.ask(id), state.now),
            static (id, current, state) => current.IsFresh(state.time, state.now) ? current : new Entry<T>(state.ask(id), state.now),
            (ask, now, time));
        return entry.Answer;
    }

    private void PruneNowAndThen()
    {
        var last = Interlocked.Read(ref _prunedAt);
        if (time.GetElapsedTime(last) < Interval * 4 || Interlocked.CompareExchange(ref _prunedAt, time.GetTimestamp(), last) != last)
        {
            return;
        }
        Prune(_headers);
        Prune(_snapshots);
    }

    private void Prune<T>(ConcurrentDictionary<Guid, Entry<T>> entries)
    {
        foreach (var (jobId, entry) in entries)
        {
            if (time.GetElapsedTime(entry.AskedAt) > Interval * 2)
            {
                entries.TryRemove(new KeyValuePair<Guid, Entry<T>>(jobId, entry));
            }
        }
    }

    private sealed record Entry<T>(Task<T> Answer, long AskedAt)
    {
        /// <summary>A failed answer is not shared beyond the callers that already have it.</summary>
        public bool IsFresh(TimeProvider time, long now) =>
            !Answer.IsFaulted && !Answer.IsCanceled && time.GetElapsedTime(AskedAt, now) < Interval;
    }
}
