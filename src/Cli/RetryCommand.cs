using System.CommandLine;

namespace Delineate.Cli;

/// <summary><c>delineate retry ID</c>: runs a failed job's failed files again.</summary>
public static class RetryCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var id = JobIdArgument.Create();
        var command = new Command("retry", "Run a failed (or completed-with-failures) job again for its failed files (exit code 1 while it runs)") { id };
        command.SetAction(CommandRunner.Action(globals, async context =>
        {
            var state = await context.Client.RetryAsync(context.Parse.GetValue(id), context.CancellationToken);
            if (context.Mode == OutputMode.Json)
            {
                context.Output.Json(state);
            }
            else
            {
                context.Output.Line($"job {state.JobId} runs again: {Format.Name(state.Status)}, {state.FilesDone}/{state.FilesTotal} files settled");
            }
            return ExitCodes.Success;
        }));
        return command;
    }
}
