using System.CommandLine;

namespace Delineate.Cli;

/// <summary><c>delineate purge ID</c>: deletes a finished job's state and archive now.</summary>
public static class PurgeCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var id = JobIdArgument.Create();
        var command = new Command("purge", "Delete a finished job's state and archive now, before its retention ends (exit code 1 while it runs)") { id };
        command.SetAction(CommandRunner.Action(globals, async context =>
        {
            var jobId = context.Parse.GetValue(id);
            await context.Client.PurgeAsync(jobId, context.CancellationToken);
            if (context.Mode == OutputMode.Json)
            {
                context.Output.Json(new { jobId, purged = true });
            }
            else
            {
                context.Output.Line($"purged job {jobId}");
            }
            return ExitCodes.Success;
        }));
        return command;
    }
}
