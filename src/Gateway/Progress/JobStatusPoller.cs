using System.Collections.Concurrent;
using Delineate.Abstractions;

namespace Delineate.Gateway.Progress;

/// <summary>
/// The status checks of quiet progress streams, shared per job on this gateway: however many clients
/// follow a job, the gateway asks its grain at most once per <see cref="Interval"/> (a header, which
/// signs no link), and fetches the full snapshot, with its links, only when the job has moved on.
/// Entries older than a few intervals are dropped as the poller is used, so it holds only followed jobs.
/// </summary>
public sealed class JobStatusPoller(Func<Guid, Task<JobHeader?>> askHeader, Func<Guid, Task<JobSnapshot?>> askSnapshot, TimeProvider time)
{
    public JobStatusPoller(IClusterClient cluster, TimeProvider time)
        : this(id => cluster.GetGrain<IDownloadJobGrain>(id).GetHeader(), id => cluster.GetGrain<IDownloadJobGrain>(id).GetStatus(), time)
    {
    }

    /// <summary>How long one answer serves every follower of the job.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2.5);

    private readonly ConcurrentDictionary<Guid, Entry<JobHeader?>> _headers = new();
    private readonly ConcurrentDictionary<Guid, Entry<JobSnapshot?>> _snapshots = new();
    private long _prunedAt = time.GetTimestamp();

    /// <summary>The number of jobs whose answers are held (for tests: entries do not outlive their use).</summary>
    public int Held => _headers.Count + _snapshots.Count;

    /// <summary>The job's header, asked of its grain at most once per interval for all its followers here.</summary>
    public Task<JobHeader?> HeaderAsync(Guid jobId) => Shared(_headers, jobId, askHeader);

    /// <summary>The job's snapshot, shared the same way, for followers that must resend one.</summary>
    public Task<JobSnapshot?> SnapshotAsync(Guid jobId) => Shared(_snapshots, jobId, askSnapshot);

    private Task<T> Shared<T>(ConcurrentDictionary<Guid, Entry<T>> entries, Guid jobId, Func<Guid, Task<T>> ask)
    {
        PruneNowAndThen();
        var now = time.GetTimestamp();
        if (entries.TryGetValue(jobId, out var current) && current.IsFresh(time, now))
        {
            return current.Answer;
        }
        // Rare (once per job per interval): a lock makes the one ask exact when followers race for it.
        lock (entries)
        {
            if (entries.TryGetValue(jobId, out current) && current.IsFresh(time, now))
            {
                return current.Answer;
            }
            var entry = new Entry<T>(ask(jobId), now);
            entries[jobId] = entry;
            return entry.Answer;
        }
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
