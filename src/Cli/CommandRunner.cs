using System.CommandLine;
using Delineate.Client;

namespace Delineate.Cli;

/// <summary>Runs a command's action and turns what went wrong into a message naming the problem and an exit code.</summary>
public static class CommandRunner
{
    public static Func<ParseResult, CancellationToken, Task<int>> Action(GlobalOptions globals, Func<CommandContext, Task<int>> body) =>
        (parse, cancellationToken) => RunAsync(parse, globals, body, cancellationToken);

    private static async Task<int> RunAsync(ParseResult parse, GlobalOptions globals, Func<CommandContext, Task<int>> body, CancellationToken cancellationToken)
    {
        var mode = globals.ModeOf(parse);
        try
        {
            using var client = globals.CreateClient(parse);
            return await body(new CommandContext(parse, client, new Output(mode), cancellationToken));
        }
        catch (UsageException ex)
        {
            return Fail(mode, ExitCodes.UsageOrConnection, ex.Message);
        }
        catch (JobFailedException ex)
        {
            return Fail(mode, ExitCodes.JobUnsuccessful, ex.Message);
        }
        catch (DelineateProblemException ex)
        {
            // 409: the job is not in a state the action fits (not finished, already finished, running).
            var code = ex.Status == 409 ? ExitCodes.JobUnsuccessful : ExitCodes.UsageOrConnection;
            return Fail(mode, code, $"the server answered {ex.Message}", new { ex.Status, ex.Title, ex.Detail, ex.Type, ex.Errors, ex.RequestId });
        }
        catch (DelineateConnectionException ex)
        {
            return Fail(mode, ExitCodes.UsageOrConnection, $"{ex.Message} (the server is set by --server or {GlobalOptions.ServerVariable})");
        }
        catch (TransportUnavailableException ex)
        {
            return Fail(mode, ExitCodes.UsageOrConnection, $"cannot follow the job over {ex.Transport}: {ex.Message}");
        }
        catch (IOException ex)
        {
            return Fail(mode, ExitCodes.UsageOrConnection, ex.Message);
        }
        catch (UnauthorizedAccessException ex)
        {
            return Fail(mode, ExitCodes.UsageOrConnection, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Fail(mode, ExitCodes.Interrupted, "interrupted; the job goes on on the server (see `delineate status ID`)");
        }
    }

    private static int Fail(OutputMode mode, int exitCode, string message, object? problem = null)
    {
        if (mode == OutputMode.Json)
        {
            new Output(mode).Json(new { type = "error", exitCode, message, problem });
        }
        Output.Error(message);
        return exitCode;
    }
}
