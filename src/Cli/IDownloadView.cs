using Delineate.Client;

namespace Delineate.Cli;

/// <summary>How <c>delineate download</c> shows a job: a live progress bar, plain lines, or JSON lines.</summary>
public interface IDownloadView
{
    void Accepted(JobAccepted job, string path);

    /// <summary>Runs the following and the archive download inside the view (the live display lasts as long as it).</summary>
    Task<T> RunAsync<T>(Func<Task<T>> body);

    void Event(JobEvent e);

    void Connection(ConnectionChange change);

    IProgress<ArchiveProgress> Archive();

    void Saved(DownloadSummary summary);
}
