using Delineate.Abstractions;
using Delineate.Gateway.Jobs;

namespace Delineate.Gateway.Progress;

/// <summary>Maps a job's events (and a snapshot standing in for one) to the API's progress event JSON.</summary>
public static class ProgressEventMapping
{
    public static ProgressEventJson ToJson(this JobEvent e) => Event(e.Type, e.JobId, e.Seq, e.Progress, e.File?.ToJson(null), e.At, e.Error);

    /// <summary>A snapshot event, or the terminal event of a finished job, built from its status.</summary>
    public static ProgressEventJson ToEvent(this JobSnapshot s, JobEventType type) =>
        Event(type, s.JobId, s.Seq, s.Progress, null, s.UpdatedAt, s.Error);

    private static ProgressEventJson Event(JobEventType type, Guid jobId, long seq, JobProgress p, FileResultJson? file, DateTimeOffset at, string? error) =>
        new(type, jobId, seq, p.Status, p.Phase, p.Percent, p.FilesDone, p.FilesTotal, p.FilesMissing, p.FilesFailed,
            p.BytesDone, p.EtaSeconds, file, at, error);
}
