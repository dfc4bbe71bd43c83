using System.Text.RegularExpressions;

namespace Delineate.Cli.Tests;

/// <summary>
/// The built <c>delineate</c> command run as a child process (<c>dotnet delineate.dll …</c>). Its stdout is
/// a pipe, so it writes plain lines; they are read back from its log without the log's timestamps.
/// </summary>
public sealed partial class CliRun : IAsyncDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    private CliRun(ManagedProcess process) => Process = process;

    public ManagedProcess Process { get; }

    /// <summary>Starts the command; nothing inherited (DELINEATE_URL, a key) changes what the arguments say.</summary>
    public static CliRun Start(TestDirectory directory, string name, params string[] arguments)
    {
        var environment = new Dictionary<string, string?>
        {
            ["DELINEATE_URL"] = null,
            ["DELINEATE_API_KEY"] = null,
            ["DELINEATE_USER"] = null,
            ["DOTNET_NOLOGO"] = "1",
        };
        var process = ManagedProcess.Start(name, "dotnet", [RepositoryLayout.CliDll, .. arguments], environment, directory.LogFile(name), directory.Path);
        return new CliRun(process);
    }

    /// <summary>Runs the command to its end; throws when it takes longer than <paramref name="timeout"/>.</summary>
    public static async Task<CliRun> RunAsync(TestDirectory directory, string name, string[] arguments, TimeSpan? timeout = null)
    {
        var run = Start(directory, name, arguments);
        await run.WaitForExitAsync(timeout ?? DefaultTimeout);
        return run;
    }

    public int ExitCode => Process.ExitCode ?? throw new InvalidOperationException($"{Process.Name} is still running.");

    /// <summary>What the command printed so far (stdout and stderr), line by line.</summary>
    public IReadOnlyList<string> Lines() =>
        Process.ReadLog()
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith("###", StringComparison.Ordinal))
            .Select(line => TimestampPattern().Replace(line, "").TrimEnd('\r'))
            .ToList();

    public string Output => string.Join('\n', Lines());

    /// <summary>The seq and type of every event line (<c>seq N TYPE …</c>), in the order printed.</summary>
    public IReadOnlyList<(long Seq, string Type)> Events() =>
        Lines().Select(line => EventPattern().Match(line)).Where(m => m.Success)
            .Select(m => (long.Parse(m.Groups[1].Value), m.Groups[2].Value)).ToList();

    /// <summary>
    /// Asserts that no event was printed twice: seqs strictly increase, except that the terminal event
    /// may carry the seq of the snapshot just before it (a job that had finished when the stream opened).
    /// </summary>
    public void AssertEventsOnceInOrder()
    {
        var events = Events();
        Assert.True(events.Count > 0, $"no event lines:\n{Output}");
        var described = string.Join(", ", events.Select(e => $"{e.Seq} {e.Type}"));
        foreach (var (previous, next) in events.Zip(events.Skip(1)))
        {
            var terminalAfterSnapshot = next.Seq == previous.Seq && previous.Type == "snapshot" && next.Type is "completed" or "failed" or "cancelled";
            Assert.True(next.Seq > previous.Seq || terminalAfterSnapshot, $"events repeated or went back: {described}");
        }
        Assert.Equal(1, events.Count(e => e.Type is "completed" or "failed" or "cancelled"));
    }

    /// <summary>The highest "files N/M" done count printed so far.</summary>
    public int FilesDone() =>
        Lines().Select(line => FilesPattern().Match(line)).Where(m => m.Success).Select(m => int.Parse(m.Groups[1].Value)).DefaultIfEmpty(0).Max();

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        if (!await Process.WaitForExitAsync(timeout))
        {
            throw new TimeoutException($"{Process.Name} did not finish within {timeout.TotalSeconds:F0} s.\n{Process.Tail()}");
        }
    }

    public string Describe() => $"exit {Process.ExitCode?.ToString() ?? "none"}; output:\n{Output}";

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    [GeneratedRegex(@"^\d\d:\d\d:\d\d\.\d\d\d ")]
    private static partial Regex TimestampPattern();

    [GeneratedRegex(@"^seq (\d+) (\w+) ")]
    private static partial Regex EventPattern();

    [GeneratedRegex(@" files (\d+)/\d+ ")]
    private static partial Regex FilesPattern();
}
