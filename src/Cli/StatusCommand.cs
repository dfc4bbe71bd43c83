using System.CommandLine;
using Delineate.Client;
using Spectre.Console;

namespace Delineate.Cli;

/// <summary><c>delineate status ID</c>: where a job stands, file by file.</summary>
public static class StatusCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var id = JobIdArgument.Create();
        var command = new Command("status", "Show a job's status and per-file results") { id };
        command.SetAction(CommandRunner.Action(globals, async context =>
        {
            var state = await context.Client.GetStatusAsync(context.Parse.GetValue(id), context.CancellationToken);
            Write(context.Output, state);
            return ExitCodes.Success;
        }));
        return command;
    }

    public static void Write(Output output, JobState state)
    {
        if (output.Mode == OutputMode.Json)
        {
            output.Json(state);
            return;
        }
        var status = Format.Name(state.Status);
        output.Line($"job      {state.JobId}");
        output.Line($"status   [{Format.Colour(state.Status)}]{status}[/] ({Format.Name(state.Phase)}) {state.Progress}%",
            $"status   {status} ({Format.Name(state.Phase)}) {state.Progress}%");
        output.Line($"files    {state.FilesDone}/{state.FilesTotal} done, {state.FilesMissing} missing, {state.FilesFailed} failed");
        output.Line($"bytes    {Format.Bytes(state.BytesDone)}");
        output.Line($"created  {Format.Time(state.CreatedAt)}, updated {Format.Time(state.UpdatedAt)}");
        if (state.Result is { } result)
        {
            output.Line($"result   {result.SuccessCount} ready, {result.MissingCount} missing, {result.FailedCount} failed{(result.Message is { } m ? $": {m}" : "")}");
            if (result.ArchiveUrl is { } archive)
            {
                output.Line($"archive  {archive}");
            }
        }
        if (state.Error is { } error)
        {
            output.Line($"error    [red]{Markup.Escape(error)}[/]", $"error    {error}");
        }
        foreach (var file in state.Files)
        {
            var size = file.Size is { } s ? Format.Bytes(s) : "";
            var detail = file.Error is { } e ? $" {e}" : "";
            output.Line($"  {file.FileId,-10} {Format.Name(file.Status),-10} {size}{detail}");
        }
    }
}
