using Delineate.Client;

namespace Delineate.Cli;

/// <summary>One JSON object per line: the accept, every event as the service sent it, connection changes, the saved archive.</summary>
public sealed class JsonDownloadView(Output output) : IDownloadView
{
    public void Accepted(JobAccepted job, string path) =>
        output.Json(new { type = "accepted", job.JobId, job.Status, job.TotalFileIds, path });

    public Task<T> RunAsync<T>(Func<Task<T>> body) => body();

    public void Event(JobEvent e) => output.Json(e);

    public void Connection(ConnectionChange change) =>
        output.Json(new { type = "connection", transport = Format.Name(change.Transport), change.State, change.Reason, change.LastSeq });

    public IProgress<ArchiveProgress> Archive() => new Reporter<ArchiveProgress>(_ => { });

    public void Saved(DownloadSummary summary) =>
        output.Json(new { type = "saved", summary.JobId, summary.Path, summary.Bytes, summary.Entries, summary.Missing, summary.Failed });
}
