using System.Diagnostics;
using Delineate.Abstractions;
using Delineate.Grains.Jobs;
using Microsoft.Extensions.Logging;

namespace Delineate.Grains.Owners;

/// <summary>
/// One owner's job index. It is written behind (at most one write in flight, changes coalesced):
/// a lost entry heals itself because every job re-announces itself on each status change.
/// </summary>
public sealed class OwnerJobsGrain(
    [PersistentState("owner", DownloadJobGrain.StorageName)] IPersistentState<OwnerJobsState> state,
    ILogger<OwnerJobsGrain> logger) : Grain, IOwnerJobsGrain
{
    /// <summary>Beyond this, the oldest finished jobs leave the index (they still expire on their own).</summary>
    public const int MaxEntries = 10_000;

    private static readonly TimeSpan WriteInterval = TimeSpan.FromSeconds(1);

    private bool _dirty;
    private long _lastWrite;
    private Task? _writer;

    private List<JobSummary> Jobs => state.State.Jobs;

    public Task<bool> TryAdd(JobSummary job, int maxActive)
    {
        var index = Jobs.FindIndex(j => j.JobId == job.JobId);
        if (index >= 0)
        {
            return Task.FromResult(true);
        }
        if (Jobs.Count(j => !j.Status.IsTerminal()) >= maxActive)
        {
            return Task.FromResult(false);
        }
        Jobs.Add(job);
        Trim();
        ScheduleWrite();
        return Task.FromResult(true);
    }

    public Task Upsert(JobSummary job)
    {
        var index = Jobs.FindIndex(j => j.JobId == job.JobId);
        if (index < 0)
        {
            // Keep the list in creation order.
            var position = Jobs.FindLastIndex(j => j.CreatedAt <= job.CreatedAt) + 1;
            Jobs.Insert(position, job);
            Trim();
        }
        else
        {
            Jobs[index] = job;
        }
        ScheduleWrite();
        return Task.CompletedTask;
    }

    public Task Remove(Guid jobId)
    {
        if (Jobs.RemoveAll(j => j.JobId == jobId) > 0)
        {
            ScheduleWrite();
        }
        return Task.CompletedTask;
    }

    public Task<JobPage> List(JobStatus? status, int limit, Guid? cursor)
    {
        var page = new List<JobSummary>(limit);
        var start = Jobs.Count - 1;
        if (cursor is { } after)
        {
            var position = Jobs.FindLastIndex(j => j.JobId == after);
            // The cursor's job may have expired since: go on from the jobs created before it (ids are
            // version 7 Guids, so the id holds its creation time).
            start = position >= 0 ? position - 1 : Jobs.FindLastIndex(j => j.CreatedAt < CreationTimeOf(after));
        }
        var total = status is null ? Jobs.Count : Jobs.Count(j => j.Status == status);
        Guid? next = null;
        for (var i = start; i >= 0; i--)
        {
            var job = Jobs[i];
            if (status is not null && job.Status != status)
            {
                continue;
            }
            if (page.Count == limit)
            {
                next = page[^1].JobId;
                break;
            }
            page.Add(job);
        }
        return Task.FromResult(new JobPage { Jobs = page, NextCursor = next, Total = total });
    }

    private static DateTimeOffset CreationTimeOf(Guid versionSevenId)
    {
        Span<byte> bytes = stackalloc byte[16];
        versionSevenId.TryWriteBytes(bytes, bigEndian: true, out _);
        var milliseconds = 0L;
        for (var i = 0; i < 6; i++)
        {
            milliseconds = (milliseconds << 8) | bytes[i];
        }
        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }

    private void Trim()
    {
        while (Jobs.Count > MaxEntries)
        {
            var oldestFinished = Jobs.FindIndex(j => j.Status.IsTerminal());
            Jobs.RemoveAt(oldestFinished >= 0 ? oldestFinished : 0);
        }
    }

    private void ScheduleWrite()
    {
        _dirty = true;
        _writer ??= WriteLoopAsync();
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            while (_dirty)
            {
                // Each write stores the whole index: at most one a second, and every change made in
                // between shares it, so a busy owner costs one write a second, not one per job event.
                var sinceLast = Stopwatch.GetElapsedTime(_lastWrite);
                if (_lastWrite != 0 && sinceLast < WriteInterval)
                {
                    await Task.Delay(WriteInterval - sinceLast);
                }
                _dirty = false;
                _lastWrite = Stopwatch.GetTimestamp();
                try
                {
                    await state.WriteStateAsync();
                }
                catch (Exception ex)
                {
                    logger.LogWarning(ex, "Owner index {Owner} could not be saved; retrying", this.GetPrimaryKeyString());
                    _dirty = true;
                }
            }
        }
        finally
        {
            _writer = null;
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_writer is { } writer)
        {
            await writer.WaitAsync(cancellationToken);
        }
    }
}
