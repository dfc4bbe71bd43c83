using Delineate.Grains.Options;
using Microsoft.Extensions.Options;

namespace Delineate.Grains.Jobs;

/// <summary>Bounds the file fetches in flight across every job of this silo.</summary>
public sealed class SiloWorkLimiter(IOptions<JobOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.SiloConcurrency, options.Value.SiloConcurrency);

    public int Available => _slots.CurrentCount;

    public async Task<IDisposable> AcquireAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        return new Slot(_slots);
    }

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
