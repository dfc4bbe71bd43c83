using Delineate.Abstractions;

namespace Delineate.Grains.Jobs;

/// <summary>The fetch step: every unsettled file looked up, <c>JOB_CONCURRENCY</c> at a time.</summary>
public static class JobFetch
{
    /// <summary>
    /// Files in flight when a predecessor died are fetched again; settled ones never are. After each
    /// file, <paramref name="settled"/> records and persists it.
    /// </summary>
    public static async Task FetchAllAsync(DownloadJobState state, FileFetcher fetcher, JobMetrics metrics, int concurrency,
        Func<FileState, Task> settled, CancellationToken cancellationToken)
    {
        var pending = state.Files.Where(f => !f.IsSettled).ToList();
        using var gate = new SemaphoreSlim(concurrency);
        await Task.WhenAll(pending.Select(async file =>
        {
            await gate.WaitAsync(cancellationToken);
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                file.Status = FileStatus.Processing;
                using var span = JobTelemetry.Source.StartActivity("job.fetch");
                span?.SetTag("file.id", file.FileId);
                var outcome = await fetcher.FetchAsync(file.FileId, cancellationToken);
                span?.SetTag("file.attempts", outcome.Attempts);
                span?.SetTag("file.status", outcome.Status.ToString());
                cancellationToken.ThrowIfCancellationRequested();
                file.Status = outcome.Status;
                file.Attempts += outcome.Attempts;
                file.Size = outcome.File?.Size;
                file.Key = outcome.File?.Key;
                file.Error = outcome.Error;
                metrics.FileSettled(outcome.Status, outcome.Attempts);
                await settled(file);
            }
            finally
            {
                gate.Release();
            }
        }));
    }
}
