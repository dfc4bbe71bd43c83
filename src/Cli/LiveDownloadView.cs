using Delineate.Client;
using Spectre.Console;

namespace Delineate.Cli;

/// <summary>A live progress bar on the terminal: files done, bytes, ETA and the connection, then the archive's download.</summary>
public sealed class LiveDownloadView : IDownloadView
{
    private readonly DetailColumn _details = new();
    private ProgressContext? _context;
    private ProgressTask? _job;
    private ProgressTask? _archive;
    private JobEvent? _last;
    private string _connection = "[grey]connecting[/]";

    public void Accepted(JobAccepted job, string path) =>
        AnsiConsole.MarkupLine($"job [bold]{job.JobId}[/]: {job.TotalFileIds} file ids → {Markup.Escape(path)}");

    public Task<T> RunAsync<T>(Func<Task<T>> body) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(
                new TaskDescriptionColumn { Alignment = Justify.Left },
                new ProgressBarColumn { Width = 32 },
                new PercentageColumn(),
                _details,
                new SpinnerColumn())
            .StartAsync(async context =>
            {
                _context = context;
                _job = context.AddTask("job", maxValue: 100);
                Render();
                return await body();
            });

    public void Event(JobEvent e)
    {
        _last = e;
        if (_job is null)
        {
            return;
        }
        _job.Value = e.Progress;
        if (e.IsTerminal)
        {
            _job.Value = e.Type == JobEventType.Completed ? 100 : _job.Value;
            _job.StopTask();
        }
        Render();
    }

    public void Connection(ConnectionChange change)
    {
        var transport = Format.Name(change.Transport);
        _connection = change.State switch
        {
            ConnectionState.Connected => $"[grey]{transport}[/]",
            ConnectionState.Reconnecting => $"[yellow]reconnecting ({transport})[/]",
            _ => $"[yellow]fell back to {transport}[/]",
        };
        Render();
    }

    public IProgress<ArchiveProgress> Archive() => new Reporter<ArchiveProgress>(p =>
    {
        if (_context is null)
        {
            return;
        }
        _archive ??= _context.AddTask("archive", maxValue: Math.Max(1, p.TotalBytes ?? 1));
        if (p.TotalBytes is { } total)
        {
            _archive.MaxValue = Math.Max(1, total);
            _archive.Value = p.BytesReceived;
        }
        var of = p.TotalBytes is { } length ? $" of {Format.Bytes(length)}" : "";
        _details.Set(_archive, $"{Format.Bytes(p.BytesReceived)}{of}");
        if (p.TotalBytes is { } end && p.BytesReceived >= end)
        {
            _archive.StopTask();
        }
    });

    public void Saved(DownloadSummary summary)
    {
        AnsiConsole.MarkupLine($"[green]saved[/] {Markup.Escape(summary.Path)}: {Format.Files(summary.Entries.Count)}, {Format.Bytes(summary.Bytes)}, a valid zip");
        if (summary.Missing.Count > 0)
        {
            AnsiConsole.MarkupLine($"[yellow]missing[/]: {string.Join(", ", summary.Missing)}");
        }
        if (summary.Failed.Count > 0)
        {
            AnsiConsole.MarkupLine($"[red]failed[/]: {string.Join(", ", summary.Failed)}");
        }
    }

    private void Render()
    {
        if (_job is null)
        {
            return;
        }
        if (_last is not { } e)
        {
            _details.Set(_job, $"[grey]queued[/] · {_connection}");
            return;
        }
        var stage = e.IsTerminal ? $"[{Format.Colour(e.Status)}]{Format.Name(e.Status)}[/]" : $"[blue]{Format.Name(e.Phase)}[/]";
        var missing = e.FilesMissing > 0 ? $" · {e.FilesMissing} missing" : "";
        var failed = e.FilesFailed > 0 ? $" · [red]{e.FilesFailed} failed[/]" : "";
        var eta = e.IsTerminal ? "" : $" · ETA {Format.Eta(e.EtaSeconds)}";
        _details.Set(_job, $"{stage} {e.FilesDone}/{e.FilesTotal} files · {Format.Bytes(e.BytesDone)}{missing}{failed}{eta} · {_connection}");
    }
}
