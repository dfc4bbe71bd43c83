using System.CommandLine;

namespace Delineate.Cli;

/// <summary><c>delineate cancel ID</c>: stops an unfinished job.</summary>
public static class CancelCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var id = JobIdArgument.Create();
        var command = new Command("cancel", "Cancel an unfinished job (exit code 1 when it has already finished)") { id };
        command.SetAction(CommandRunner.Action(globals, async context =>
        {
            var state = await context.Client.CancelAsync(context.Parse.GetValue(id), context.CancellationToken);
            if (context.Mode == OutputMode.Json)
            {
                context.Output.Json(state);
            }
            else
            {
                context.Output.Line($"cancelled job {state.JobId} at {state.Progress}% ({state.FilesDone}/{state.FilesTotal} files done)");
            }
            return ExitCodes.Success;
        }));
        return command;
    }
}
