using System.CommandLine;
using Delineate.Client;

namespace Delineate.Cli;

/// <summary><c>delineate jobs</c>: the caller's jobs, newest first.</summary>
public static class JobsCommand
{
    public static Command Create(GlobalOptions globals)
    {
        var status = new Option<string?>("--status") { Description = "Only jobs in this status" };
        status.AcceptOnlyFromAmong(Enum.GetValues<JobStatus>().Select(s => s.ToApiName()).ToArray());
        var limit = new Option<int>("--limit")
        {
            Description = "How many jobs to show (the newest)",
            DefaultValueFactory = _ => 20,
        };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 10000)
            {
                result.AddError("--limit must be from 1 to 10000.");
            }
        });
        var command = new Command("jobs", "List your jobs, newest first") { status, limit };
        command.SetAction(CommandRunner.Action(globals, async context =>
        {
            var wanted = context.Parse.GetValue(limit);
            var jobs = new List<JobSummary>();
            await foreach (var job in context.Client.ListAllAsync(StatusOf(context.Parse.GetValue(status)), context.CancellationToken))
            {
                jobs.Add(job);
                if (jobs.Count == wanted)
                {
                    break;
                }
            }
            if (context.Mode == OutputMode.Json)
            {
                context.Output.Json(new { jobs });
                return ExitCodes.Success;
            }
            if (jobs.Count == 0)
            {
                context.Output.Line("no jobs");
            }
            foreach (var job in jobs)
            {
                var name = Format.Name(job.Status);
                context.Output.Line(
                    $"{job.JobId}  [{Format.Colour(job.Status)}]{name,-10}[/]  {Format.Files(job.FilesTotal),11}  {Format.Time(job.CreatedAt)}",
                    $"{job.JobId}  {name,-10}  {Format.Files(job.FilesTotal),11}  {Format.Time(job.CreatedAt)}");
            }
            return ExitCodes.Success;
        }));
        return command;
    }

    private static JobStatus? StatusOf(string? name) => name is null ? null : Enum.Parse<JobStatus>(name, ignoreCase: true);
}
