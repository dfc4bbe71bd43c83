using System.Collections.Concurrent;
using Orleans.Storage;

namespace Delineate.Grains.Tests.Infrastructure;

/// <summary>
/// Wraps the silo's real job storage. Writes of a chosen grain can be made to fail (a storage outage
/// for that grain) until healed; everything else passes through.
/// </summary>
public sealed class FaultInjectingGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<GrainId, WriteOutage> _outages = new();
    private IGrainStorage? _inner;

    public FaultInjectingGrainStorage Wrap(IGrainStorage inner)
    {
        _inner = inner;
        return this;
    }

    private IGrainStorage Inner => _inner ?? throw new InvalidOperationException("No inner storage: the silo has not resolved this one yet.");

    /// <summary>After <paramref name="afterWrites"/> more successful writes, every write of the grain fails until healed.</summary>
    public WriteOutage FailWrites(GrainId grainId, int afterWrites)
    {
        var outage = new WriteOutage(afterWrites);
        _outages[grainId] = outage;
        return outage;
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Inner.ReadStateAsync(stateName, grainId, grainState);

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (_outages.TryGetValue(grainId, out var outage) && outage.Fails())
        {
            return Task.FromException(new TimeoutException("injected storage outage"));
        }
        return Inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        Inner.ClearStateAsync(stateName, grainId, grainState);
}
