using System.CommandLine;
using Delineate.Client;

namespace Delineate.Cli;

/// <summary>
/// <c>delineate download ID… --out FILE</c>: starts a job, follows it live (WebSocket, then SSE, then
/// polling; a dropped connection resumes after the last seq), downloads the archive and checks it.
/// </summary>
public static class DownloadCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var ids = new Argument<int[]>("FILE_ID")
        {
            Description = "File ids to download (integers from 10000 to 100000000)",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string?>("--out", "-o")
        {
            Description = "Where to save the archive (default: JOB_ID.zip in the current folder)",
            HelpName = "FILE",
        };
        var transport = new Option<string>("--transport")
        {
            Description = "How to follow the job: auto (WebSocket, then SSE, then polling), websocket, sse or polling",
            DefaultValueFactory = _ => "auto",
        };
        transport.AcceptOnlyFromAmong("auto", "websocket", "sse", "polling");
        var callback = new Option<string?>("--callback-url")
        {
            Description = "Ask the service to POST the result to this URL when the job finishes",
            HelpName = "URL",
        };
        var command = new Command("download", "Start a download job, follow it with a progress bar, save and check its archive")
        {
            ids, output, transport, callback,
        };
        command.SetAction(CommandRunner.Action(globals, async context =>
        {
            var path = context.Parse.GetValue(output);
            if (path is not null)
            {
                CheckWritable(path);
            }
            var view = CreateView(context.Output);
            var job = await context.Client.InitiateAsync(
                context.Parse.GetValue(ids)!,
                new InitiateOptions { CallbackUrl = CallbackOf(context.Parse.GetValue(callback)) },
                context.CancellationToken);
            path ??= $"{job.JobId}.zip";
            view.Accepted(job, path);
            var summary = await view.RunAsync(() => FollowAndSaveAsync(context, view, job.JobId, path, TransportOf(context.Parse.GetValue(transport))));
            view.Saved(summary);
            return ExitCodes.Success;
        }));
        return command;
    }

    private static Uri? CallbackOf(string? url) =>
        url is null ? null
        : Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri
        : throw new UsageException($"--callback-url: '{url}' is not an http:// or https:// URL.");

    private static JobEventTransport TransportOf(string? name) => name switch
    {
        "websocket" => JobEventTransport.WebSocket,
        "sse" => JobEventTransport.ServerSentEvents,
        "polling" => JobEventTransport.Polling,
        _ => JobEventTransport.Auto,
    };

    private static IDownloadView CreateView(Output output) => output.Mode switch
    {
        OutputMode.Json => new JsonDownloadView(output),
        OutputMode.Plain => new PlainDownloadView(output),
        _ => new LiveDownloadView(),
    };

    private static async Task<DownloadSummary> FollowAndSaveAsync(CommandContext context, IDownloadView view, Guid jobId, string path, JobEventTransport transport)
    {
        var client = context.Client;
        var watch = new WatchOptions { Transport = transport, ConnectionChanged = view.Connection };
        await foreach (var e in client.WatchAsync(jobId, watch, context.CancellationToken))
        {
            view.Event(e);
        }
        var state = await client.GetStatusAsync(jobId, context.CancellationToken);
        switch (state.Status)
        {
            case JobStatus.Failed:
                throw new JobFailedException($"job {jobId} failed: {state.Error ?? state.Result?.Message ?? "the service gave no reason"}");
            case JobStatus.Cancelled:
                throw new JobFailedException($"job {jobId} was cancelled.");
        }
        var bytes = await client.DownloadToFileAsync(jobId, path, view.Archive(), context.CancellationToken);
        var entries = ArchiveCheck.Verify(path, state.Result?.SuccessCount);
        return new DownloadSummary(
            jobId,
            path,
            bytes,
            entries,
            state.Files.Where(f => f.Status == FileStatus.Missing).Select(f => f.FileId).ToList(),
            state.Files.Where(f => f.Status == FileStatus.Failed).Select(f => f.FileId).ToList());
    }

    /// <summary>Refuses an output path that cannot be written before a job is started for it.</summary>
    private static void CheckWritable(string path)
    {
        var full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new UsageException($"--out: {path} is a folder; give a file name.");
        }
        var folder = Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new UsageException($"--out: the folder {folder} does not exist.");
        }
    }
}
