using System.Globalization;
using Delineate.Client;

namespace Delineate.Cli;

/// <summary>One line per event, for logs and pipes (stdout is not a terminal).</summary>
public sealed class PlainDownloadView(Output output) : IDownloadView
{
    public void Accepted(JobAccepted job, string path) =>
        output.Line($"job {job.JobId} accepted: {job.TotalFileIds} file ids; saving to {path}");

    public Task<T> RunAsync<T>(Func<Task<T>> body) => body();

    public void Event(JobEvent e)
    {
        var file = e.File is { } f ? $" file {f.FileId} {Format.Name(f.Status)}" : "";
        output.Line(string.Create(CultureInfo.InvariantCulture,
            $"seq {e.Seq} {Format.Name(e.Type)} {Format.Name(e.Status)}/{Format.Name(e.Phase)} {e.Progress}% files {e.FilesDone}/{e.FilesTotal} missing {e.FilesMissing} failed {e.FilesFailed} bytes {e.BytesDone} eta {Format.Eta(e.EtaSeconds)}{file}"));
    }

    public void Connection(ConnectionChange change)
    {
        var transport = Format.Name(change.Transport);
        var after = change.LastSeq is { } seq ? $"; resuming after seq {seq}" : "";
        output.Line(change.State switch
        {
            ConnectionState.Connected => $"connected over {transport}",
            ConnectionState.Reconnecting => $"connection lost ({transport}): {change.Reason}{after}",
            _ => $"falling back to {transport}: {change.Reason}",
        });
    }

    public IProgress<ArchiveProgress> Archive()
    {
        var started = false;
        return new Reporter<ArchiveProgress>(p =>
        {
            if (!started)
            {
                started = true;
                output.Line($"downloading the archive{(p.TotalBytes is { } total ? $" ({total} bytes)" : "")}");
            }
        });
    }

    public void Saved(DownloadSummary summary)
    {
        output.Line($"saved {summary.Path}: {Format.Files(summary.Entries.Count)}, {summary.Bytes} bytes, a valid zip");
        if (summary.Missing.Count > 0)
        {
            output.Line($"missing: {string.Join(", ", summary.Missing)}");
        }
        if (summary.Failed.Count > 0)
        {
            output.Line($"failed: {string.Join(", ", summary.Failed)}");
        }
    }
}
