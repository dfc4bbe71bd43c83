using System.Collections.Concurrent;
using Delineate.Grains.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Delineate.Grains.Tests.Storage;

public sealed class CachingFileSourceTests
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _time = new();
    private readonly ScriptedSource _inner = new();

    private CachingFileSource Cache() => new(_inner, Period, _time);

    [Fact]
    public async Task A_found_file_is_asked_once_within_the_period()
    {
        var cache = Cache();
        _inner.Present(70_000, 123);

        var first = await cache.LookupAsync(70_000, CancellationToken.None);
        _time.Advance(Period - TimeSpan.FromMilliseconds(1));
        var second = await cache.LookupAsync(70_000, CancellationToken.None);

        Assert.Equal(new SourceFile(70_000, "downloads/70000.zip", 123), first);
        Assert.Equal(first, second);
        Assert.Equal(1, _inner.Calls(70_000));
    }

    [Fact]
    public async Task A_found_file_is_asked_again_once_the_period_is_over()
    {
        var cache = Cache();
        _inner.Present(70_000, 123);
        await cache.LookupAsync(70_000, CancellationToken.None);

        _time.Advance(Period);
        _inner.Remove(70_000);

        Assert.Null(await cache.LookupAsync(70_000, CancellationToken.None));
        Assert.Equal(2, _inner.Calls(70_000));
    }

    [Fact]
    public async Task A_missing_file_is_not_kept()
    {
        var cache = Cache();

        Assert.Null(await cache.LookupAsync(70_001, CancellationToken.None));
        _inner.Present(70_001, 9);
        var later = await cache.LookupAsync(70_001, CancellationToken.None);

        Assert.Equal(9, later?.Size);
        Assert.Equal(2, _inner.Calls(70_001));
    }

    [Fact]
    public async Task Callers_asking_at_once_share_one_lookup()
    {
        var cache = Cache();
        var pending = _inner.Hold(70_000);

        var lookups = Enumerable.Range(0, 10).Select(_ => cache.LookupAsync(70_000, CancellationToken.None)).ToArray();
        Assert.All(lookups, l => Assert.False(l.IsCompleted));
        pending.SetResult(new SourceFile(70_000, "downloads/70000.zip", 5));
        var found = await Task.WhenAll(lookups);

        Assert.All(found, f => Assert.Equal(5, f?.Size));
        Assert.Equal(1, _inner.Calls(70_000));
    }

    [Fact]
    public async Task A_failed_lookup_reaches_its_callers_and_is_forgotten()
    {
        var cache = Cache();
        var pending = _inner.Hold(70_000);
        var waiting = cache.LookupAsync(70_000, CancellationToken.None);

        pending.SetException(new TransientStorageException("source down"));
        await Assert.ThrowsAsync<TransientStorageException>(() => waiting);
        _inner.Present(70_000, 7);

        Assert.Equal(7, (await cache.LookupAsync(70_000, CancellationToken.None))?.Size);
        Assert.Equal(2, _inner.Calls(70_000));
    }

    [Fact]
    public async Task A_caller_that_gives_up_leaves_the_shared_lookup_to_the_others()
    {
        var cache = Cache();
        var pending = _inner.Hold(70_000);
        using var impatient = new CancellationTokenSource();
        var givingUp = cache.LookupAsync(70_000, impatient.Token);
        var patient = cache.LookupAsync(70_000, CancellationToken.None);

        await impatient.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => givingUp);
        pending.SetResult(new SourceFile(70_000, "downloads/70000.zip", 1));

        Assert.Equal(1, (await patient)?.Size);
        Assert.Equal(1, _inner.Calls(70_000));
    }

    [Fact]
    public async Task A_lookup_that_hangs_is_replaced_after_the_period()
    {
        var cache = Cache();
        _inner.Hold(70_000);
        var stuck = cache.LookupAsync(70_000, CancellationToken.None);

        _time.Advance(Period);
        _inner.Present(70_000, 3);

        Assert.Equal(3, (await cache.LookupAsync(70_000, CancellationToken.None))?.Size);
        Assert.False(stuck.IsCompleted);
    }

    [Fact]
    public async Task Expired_entries_are_swept_so_ids_asked_once_do_not_stay()
    {
        var cache = Cache();
        foreach (var id in new[] { 70_000, 70_007, 70_014 })
        {
            _inner.Present(id, 1);
            await cache.LookupAsync(id, CancellationToken.None);
        }
        Assert.Equal(3, cache.Count);

        _time.Advance(Period);
        _inner.Present(70_021, 1);
        await cache.LookupAsync(70_021, CancellationToken.None);

        Assert.Equal(1, cache.Count);
    }

    /// <summary>A source whose answers the test sets, counting the lookups of each id.</summary>
    private sealed class ScriptedSource : IFileSource
    {
        private readonly ConcurrentDictionary<int, long> _present = new();
        private readonly ConcurrentDictionary<int, TaskCompletionSource<SourceFile?>> _held = new();
        private readonly ConcurrentDictionary<int, int> _calls = new();

        public void Present(int fileId, long size)
        {
            _held.TryRemove(fileId, out _);
            _present[fileId] = size;
        }

        public void Remove(int fileId) => _present.TryRemove(fileId, out _);

        /// <summary>The next lookups of the id wait until the test completes the returned source.</summary>
        public TaskCompletionSource<SourceFile?> Hold(int fileId) =>
            _held[fileId] = new TaskCompletionSource<SourceFile?>(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls(int fileId) => _calls.GetValueOrDefault(fileId);

        public Task<SourceFile?> LookupAsync(int fileId, CancellationToken cancellationToken)
        {
            _calls.AddOrUpdate(fileId, 1, (_, n) => n + 1);
            if (_held.TryGetValue(fileId, out var held))
            {
                return held.Task;
            }
            return Task.FromResult(_present.TryGetValue(fileId, out var size)
                ? new SourceFile(fileId, StorageKeys.Source(fileId), size)
                : null);
        }

        public Task<Stream> OpenReadAsync(SourceFile file, CancellationToken cancellationToken) => throw new NotSupportedException();

        public string GetDownloadUrl(SourceFile file, DateTimeOffset expiresAt) => throw new NotSupportedException();
    }
}
