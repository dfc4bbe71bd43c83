using System.Collections.Concurrent;

namespace Delineate.Grains.Storage;

/// <summary>
/// Remembers, for <c>SOURCE_LOOKUP_CACHE_SECONDS</c>, that a file was found, and shares one lookup among
/// the jobs asking for the same file at once. A popular file requested by many jobs costs the source one
/// lookup per period instead of one per job. Only finds are kept: a missing file is asked again next time,
/// so one uploaded meanwhile shows at once; a failed lookup is forgotten as soon as it fails. A file removed
/// from the source can look present for up to the period, which its job then meets as a failed read while
/// bundling, as it would had the file gone after its lookup.
/// </summary>
public sealed class CachingFileSource(IFileSource inner, TimeSpan period, TimeProvider time) : IFileSource
{
    private readonly ConcurrentDictionary<int, Entry> _entries = new();
    private readonly long _periodTicks = (long)(period.TotalSeconds * time.TimestampFrequency);
    private long _nextSweep;

    public int Count => _entries.Count;

    public async Task<SourceFile?> LookupAsync(int fileId, CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        SweepIfDue(now);
        while (true)
        {
            if (_entries.TryGetValue(fileId, out var entry) && now - entry.Started < _periodTicks)
            {
                return await entry.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            var fresh = new Entry(now);
            var stored = entry is null ? _entries.TryAdd(fileId, fresh) : _entries.TryUpdate(fileId, fresh, entry);
            if (stored)
            {
                _ = FillAsync(fileId, fresh);
                return await fresh.Result.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            // Another caller stored an entry first: share its lookup.
        }
    }

    public Task<Stream> OpenReadAsync(SourceFile file, CancellationToken cancellationToken) =>
        inner.OpenReadAsync(file, cancellationToken);

    public string GetDownloadUrl(SourceFile file, DateTimeOffset expiresAt) => inner.GetDownloadUrl(file, expiresAt);

    /// <summary>
    /// The shared lookup runs without any one caller's token: a caller that gives up (its own timeout) stops
    /// waiting and the others keep waiting. A lookup that hangs is replaced once its period is over.
    /// A miss or a failure is removed before it is handed out, so the next caller asks again.
    /// </summary>
    private async Task FillAsync(int fileId, Entry entry)
    {
        try
        {
            var found = await inner.LookupAsync(fileId, CancellationToken.None).ConfigureAwait(false);
            if (found is null)
            {
                _entries.TryRemove(KeyValuePair.Create(fileId, entry));
            }
            entry.Result.TrySetResult(found);
        }
        catch (Exception ex)
        {
            _entries.TryRemove(KeyValuePair.Create(fileId, entry));
            entry.Result.TrySetException(ex);
        }
    }

    /// <summary>Drops expired entries at most once a period, so ids asked once do not stay forever.</summary>
    private void SweepIfDue(long now)
    {
        var due = Interlocked.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, now + _periodTicks, due) != due)
        {
            return;
        }
        foreach (var (fileId, entry) in _entries)
        {
            if (now - entry.Started >= _periodTicks && entry.Result.Task.IsCompleted)
            {
                _entries.TryRemove(KeyValuePair.Create(fileId, entry));
            }
        }
    }

    private sealed class Entry(long started)
    {
        public long Started { get; } = started;

        public TaskCompletionSource<SourceFile?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
