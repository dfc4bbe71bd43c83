using Delineate.Abstractions;
using Delineate.Grains.Resilience;
using Delineate.Grains.Storage;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Registry;

namespace Delineate.Grains.Jobs;

/// <summary>
/// The bundle step: every ready file streamed into one zip, uploaded in parts to the export store.
/// An upload left by a predecessor is aborted first; a transient failure restarts the bundle, up to
/// <c>JOB_MAX_ATTEMPTS</c>. A multipart upload's id is persisted before any byte is sent, so a successor
/// can abort it; an archive expected to fit in one part is sent whole on completion, with nothing to persist.
/// </summary>
public sealed class JobBundler(IFileSource source, IExportStore exports, JobMetrics metrics, TimeProvider time, ResiliencePipelineProvider<string> pipelines, ILogger<JobBundler> logger)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(1);

    /// <summary>What the bundle reports to its job: persist the state; files bundled so far.</summary>
    public interface IProgress
    {
        Task CommitAsync();
        Task BundledAsync(int done, int total);
    }

    // One shared pipeline: a pipeline per bundle cost a builder, its strategies and a telemetry listener per job.
    private readonly ResiliencePipeline _retry = pipelines.GetPipeline(ResiliencePipelines.JobBundle);

    public Task BundleAsync(Guid jobId, DownloadJobState state, IProgress progress, CancellationToken cancellationToken) =>
        OnGrain.RunAsync(_retry, token => BundleOnceAsync(jobId, state, progress, token), cancellationToken, jobId);

    private async Task BundleOnceAsync(Guid jobId, DownloadJobState state, IProgress progress, CancellationToken cancellationToken)
    {
        var key = state.ArchiveKey ?? StorageKeys.Export(jobId);
        if (state.UploadId is { } stale)
        {
            // A predecessor died mid-upload: its parts are discarded and the bundle starts over.
            await AbortQuietlyAsync(jobId, key, stale);
            state.UploadId = null;
        }
        using var span = JobTelemetry.Source.StartActivity("job.bundle");
        var ready = state.Files.Where(f => f.Status == FileStatus.Ready).ToList();
        var upload = await exports.BeginUploadAsync(key, ExpectedArchiveSize(ready), cancellationToken);
        try
        {
            if (upload.UploadId is { } uploadId)
            {
                state.UploadId = uploadId;
                await progress.CommitAsync();
            }
            var lastProgress = time.GetTimestamp();
            var archive = await ArchiveWriter.CreateAsync(upload.Content, cancellationToken);
            await using (archive)
            {
                for (var i = 0; i < ready.Count; i++)
                {
                    var file = ready[i];
                    var sourceFile = new SourceFile(file.FileId, file.Key ?? StorageKeys.Source(file.FileId), file.Size ?? 0);
                    // Copying is CPU and I/O work: keep it off the grain's scheduler.
                    await Task.Run(async () =>
                    {
                        await using var content = await source.OpenReadAsync(sourceFile, cancellationToken);
                        await archive.AddAsync(StorageKeys.FileName(file.FileId), content, cancellationToken);
                    }, cancellationToken);
                    if (time.GetElapsedTime(lastProgress) >= ProgressInterval && i + 1 < ready.Count)
                    {
                        lastProgress = time.GetTimestamp();
                        await progress.BundledAsync(i + 1, ready.Count);
                    }
                }
            }
            state.ArchiveSize = await upload.CompleteAsync(cancellationToken);
            metrics.Bundled(state.ArchiveSize.Value);
            span?.SetTag("bundle.bytes", state.ArchiveSize);
            state.UploadId = null;
        }
        catch
        {
            // Cancels a part still in flight before aborting, so nothing is left behind.
            try
            {
                await upload.AbortAsync(CancellationToken.None);
            }
            catch (Exception ex)
            {
                logger.LogWarning(ex, "Job {JobId} could not abort upload {UploadId}", jobId, upload.UploadId);
            }
            state.UploadId = null;
            throw;
        }
        finally
        {
            await upload.DisposeAsync();
        }
    }

    /// <summary>
    /// An upper bound of the stored zip's size from the sizes the lookups saw (entry headers, data
    /// descriptors and the central directory are well under 512 bytes per entry); 0 when a size is unknown.
    /// </summary>
    internal static long ExpectedArchiveSize(IReadOnlyCollection<FileState> ready)
    {
        long total = 1024;
        foreach (var file in ready)
        {
            if (file.Size is not { } size)
            {
                return 0;
            }
            total += size + 512;
        }
        return total;
    }

    private async Task AbortQuietlyAsync(Guid jobId, string key, string uploadId)
    {
        try
        {
            await exports.AbortUploadAsync(key, uploadId, CancellationToken.None);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Job {JobId} could not abort upload {UploadId}", jobId, uploadId);
        }
    }
}
