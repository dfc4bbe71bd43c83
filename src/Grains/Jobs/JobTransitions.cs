using Delineate.Abstractions;

namespace Delineate.Grains.Jobs;

/// <summary>The state changes of a job's life that need no I/O: admission and the end.</summary>
public static class JobTransitions
{
    /// <summary>Admitted: processing from now on, and the deadline runs from now, so a backlog does not fail jobs before they run.</summary>
    public static void Admit(DownloadJobState state, DateTimeOffset now, TimeSpan timeout)
    {
        (state.Status, state.Phase, state.StartedAt, state.Deadline) = (JobStatus.Processing, JobPhase.Fetching, now, now + timeout);
    }

    /// <summary>
    /// Terminal; files still in flight go back to pending (a retry of the job would fetch them). A
    /// webhook's delivery of this end is due now: it is stored by the same write as the end.
    /// </summary>
    public static void Finish(DownloadJobState state, JobStatus status, string? error, DateTimeOffset now)
    {
        (state.Status, state.Phase, state.FinishedAt, state.Error) = (status, JobPhase.Finished, now, error);
        state.Webhook?.Arm(now);
        foreach (var file in state.Files.Where(f => f.Status == FileStatus.Processing))
        {
            file.Status = FileStatus.Pending;
        }
    }

    public static int Count(this DownloadJobState state, FileStatus status) => state.Files.Count(f => f.Status == status);
}
