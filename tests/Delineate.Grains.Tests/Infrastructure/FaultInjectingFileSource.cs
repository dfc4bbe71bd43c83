using System.Collections.Concurrent;
using Delineate.Grains.Storage;

namespace Delineate.Grains.Tests.Infrastructure;

/// <summary>
/// Wraps the silo's real file source. Per file id, a script of faults runs first (throw, or block
/// until cancelled); once it is used up, calls go to the real source. Every call is counted.
/// </summary>
public sealed class FaultInjectingFileSource : IFileSource
{
    private readonly ConcurrentDictionary<int, Script> _lookupScripts = new();
    private readonly ConcurrentDictionary<int, Script> _openScripts = new();
    private readonly ConcurrentDictionary<int, int> _lookups = new();
    private IFileSource? _inner;

    /// <summary>Sets the real source (the silo's own) that unscripted calls reach.</summary>
    public FaultInjectingFileSource Wrap(IFileSource inner)
    {
        _inner = inner;
        return this;
    }

    private IFileSource Inner => _inner ?? throw new InvalidOperationException("No inner source: the silo has not resolved this one yet.");

    /// <summary>The first <paramref name="times"/> lookups of the file throw a transient error.</summary>
    public void FailTransiently(int fileId, int times, Func<Exception>? error = null)
    {
        var make = error ?? (() => new TransientStorageException("injected transient failure"));
        _lookupScripts[fileId] = new Script(Enumerable.Repeat<Step>(_ => throw make(), times), forever: null);
    }

    /// <summary>Every lookup of the file throws.</summary>
    public void FailAlways(int fileId, Func<Exception> error) =>
        _lookupScripts[fileId] = new Script([], forever: _ => throw error());

    /// <summary>Lookups of the files block until cancelled: the first <paramref name="times"/>, or all.</summary>
    public BlockedCalls BlockLookups(IEnumerable<int> fileIds, int? times = null)
    {
        var calls = new BlockedCalls();
        foreach (var fileId in fileIds)
        {
            _lookupScripts[fileId] = BlockScript(calls, times);
        }
        return calls;
    }

    /// <summary>Opening the file's bytes (the bundle step) blocks until cancelled.</summary>
    public BlockedCalls BlockOpen(int fileId)
    {
        var calls = new BlockedCalls();
        _openScripts[fileId] = BlockScript(calls, times: null);
        return calls;
    }

    public int LookupsOf(int fileId) => _lookups.GetValueOrDefault(fileId);

    public async Task<SourceFile?> LookupAsync(int fileId, CancellationToken cancellationToken)
    {
        _lookups.AddOrUpdate(fileId, 1, (_, n) => n + 1);
        if (_lookupScripts.TryGetValue(fileId, out var script) && script.Next() is { } step)
        {
            await step(cancellationToken);
        }
        return await Inner.LookupAsync(fileId, cancellationToken);
    }

    public async Task<Stream> OpenReadAsync(SourceFile file, CancellationToken cancellationToken)
    {
        if (_openScripts.TryGetValue(file.FileId, out var script) && script.Next() is { } step)
        {
            await step(cancellationToken);
        }
        return await Inner.OpenReadAsync(file, cancellationToken);
    }

    public string GetDownloadUrl(SourceFile file, DateTimeOffset expiresAt) => Inner.GetDownloadUrl(file, expiresAt);

    private static Script BlockScript(BlockedCalls calls, int? times)
    {
        Step block = calls.BlockAsync;
        return times is { } n ? new Script(Enumerable.Repeat(block, n), forever: null) : new Script([], forever: block);
    }

    private delegate Task Step(CancellationToken cancellationToken);

    /// <summary>Steps used once each, in order; then <paramref name="forever"/> (or nothing) for every later call.</summary>
    private sealed class Script(IEnumerable<Step> once, Step? forever)
    {
        private readonly ConcurrentQueue<Step> _once = new(once);

        public Step? Next() => _once.TryDequeue(out var step) ? step : forever;
    }
}
