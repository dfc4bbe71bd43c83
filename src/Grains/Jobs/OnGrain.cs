using Polly;

namespace Delineate.Grains.Jobs;

public static class OnGrain
{
    /// <summary>
    /// Runs a Polly pipeline whose callback touches grain state: retries must resume on the grain's
    /// scheduler, which Polly only does when told to continue on the captured context.
    /// </summary>
    public static async Task RunAsync(ResiliencePipeline pipeline, Func<CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(continueOnCapturedContext: true, cancellationToken);
        try
        {
            await pipeline.ExecuteAsync(static async (ctx, run) => await run(ctx.CancellationToken), context, action);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }
}
