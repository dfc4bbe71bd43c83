using System.CommandLine;

namespace Delineate.Cli;

/// <summary>The <c>delineate</c> command line: its commands, and parse errors as exit code 2.</summary>
public sealed class DelineateCommand(RootCommand root)
{
    public static DelineateCommand Create()
    {
        var globals = new GlobalOptions();
        var root = new RootCommand("delineate: start download jobs on a Delineate service, follow them live, fetch their archives.");
        globals.AddTo(root);
        root.Add(DownloadCommand.Create(globals));
        root.Add(StatusCommand.Create(globals));
        root.Add(JobsCommand.Create(globals));
        root.Add(CancelCommand.Create(globals));
        root.Add(RetryCommand.Create(globals));
        root.Add(PurgeCommand.Create(globals));
        return new DelineateCommand(root);
    }

    public async Task<int> RunAsync(string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                Output.Error(error.Message);
            }
            Output.Error("see `delineate --help`");
            return ExitCodes.UsageOrConnection;
        }
        return await parse.InvokeAsync();
    }
}
