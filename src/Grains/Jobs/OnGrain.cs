using Polly;

namespace Delineate.Grains.Jobs;

public static class OnGrain
{
    /// <summary>The job a pipeline runs for, so one shared pipeline can name it in its retry logs.</summary>
    public static readonly ResiliencePropertyKey<Guid> JobIdKey = new("delineate.job-id");

    /// <summary>
    /// Runs a Polly pipeline whose callback touches grain state: retries must resume on the grain's
    /// scheduler, which Polly only does when told to continue on the captured context.
    /// </summary>
    public static async Task RunAsync(ResiliencePipeline pipeline, Func<CancellationToken, Task> action, CancellationToken cancellationToken, Guid? jobId = null)
    {
        var context = ResilienceContextPool.Shared.Get(continueOnCapturedContext: true, cancellationToken);
        if (jobId is { } id)
        {
            context.Properties.Set(JobIdKey, id);
        }
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
