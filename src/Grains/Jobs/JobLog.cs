using Delineate.Abstractions;
using Microsoft.Extensions.Logging;

namespace Delineate.Grains.Jobs;

/// <summary>A job's end, as one log line. A cancel is logged by the request that asked for it, in its trace.</summary>
public static class JobLog
{
    public static void Finished(ILogger logger, Guid jobId, DownloadJobState state)
    {
        if (state.Status == JobStatus.Cancelled)
        {
            logger.LogInformation("Job {JobId} cancelled", jobId);
            return;
        }
        logger.LogInformation("Job {JobId} finished {Status}: {Ready} ready, {Missing} missing, {Failed} failed",
            jobId, state.Status, state.Count(FileStatus.Ready), state.Count(FileStatus.Missing), state.Count(FileStatus.Failed));
    }
}
