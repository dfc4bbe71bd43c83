using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Delineate.Testing;

/// <summary>
/// A child process this test started: output appended to a log file (and the last lines kept in
/// memory for failure messages). Disposing kills it, and only it, with its process tree.
/// </summary>
public sealed class ManagedProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private const int TailCapacity = 400;

    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Queue<string> _tail = new();
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _logClosed;

    private ManagedProcess(string name, Process process, string logPath, StreamWriter log)
    {
        Name = name;
        _process = process;
        LogPath = logPath;
        _log = log;
    }

    public string Name { get; }

    public string LogPath { get; }

    public int Pid => _process.Id;

    public bool HasExited => _exited.Task.IsCompleted;

    public int? ExitCode => HasExited ? _process.ExitCode : null;

    /// <summary>Starts <paramref name="fileName"/>; <paramref name="environment"/> adds to (or with a null value removes from) the inherited environment.</summary>
    public static ManagedProcess Start(
        string name,
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?> environment,
        string logPath,
        string? workingDirectory = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetDirectoryName(logPath)!,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(key);
            }
            else
            {
                startInfo.Environment[key] = value;
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        log.WriteLine($"### {DateTimeOffset.Now:O} start {fileName} {string.Join(' ', startInfo.ArgumentList)}");

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var managed = new ManagedProcess(name, process, logPath, log);
        process.OutputDataReceived += (_, e) => managed.AppendOutput(e.Data);
        process.ErrorDataReceived += (_, e) => managed.AppendOutput(e.Data);
        process.Exited += (_, _) => managed.OnExited();
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (process.HasExited)
        {
            managed.OnExited();
        }

        return managed;
    }

    /// <summary>The last lines of output, for failure messages.</summary>
    public string Tail(int lines = 80)
    {
        lock (_gate)
        {
            var selected = _tail.Skip(Math.Max(0, _tail.Count - lines));
            var state = HasExited ? $"exited with {_process.ExitCode}" : $"running, pid {Pid}";
            return $"--- {Name} ({state}), last lines of {LogPath} ---\n{string.Join('\n', selected)}\n--- end of {Name} ---";
        }
    }

    /// <summary>The whole output so far, read back from the log file.</summary>
    public string ReadLog()
    {
        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Throws when the process has exited; for polls that wait on it.</summary>
    public void ThrowIfExited()
    {
        if (HasExited)
        {
            throw new ProcessExitedException($"{Name} exited with code {_process.ExitCode}.\n{Tail()}");
        }
    }

    /// <summary>SIGKILL to the process and its descendants, now.</summary>
    public void Kill()
    {
        if (HasExited)
        {
            return;
        }

        Note($"SIGKILL pid {Pid} (process tree)");
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited by <paramref name="deadline"/>. Returns true when it stopped by itself.</summary>
    public async Task<bool> StopGracefullyAsync(TimeSpan deadline)
    {
        if (HasExited)
        {
            return true;
        }

        Note($"SIGTERM pid {Pid}");
        if (SendSignal(Pid, SigTerm) != 0)
        {
            Note($"kill(SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        if (await WaitForExitAsync(deadline))
        {
            return true;
        }

        Note($"still running {deadline.TotalSeconds:F1} s after SIGTERM");
        Kill();
        await WaitForExitAsync(TimeSpan.FromSeconds(10));
        return false;
    }

    /// <summary>Waits until the process exits; false when the deadline passed first.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan deadline)
    {
        var finished = await Task.WhenAny(_exited.Task, Task.Delay(deadline));
        return finished == _exited.Task;
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await WaitForExitAsync(TimeSpan.FromSeconds(10));
        lock (_gate)
        {
            _logClosed = true;
            _log.Dispose();
        }

        _process.Dispose();
    }

    /// <summary>Writes a line of our own (marked ###) into the process's log.</summary>
    public void Note(string text) => Append($"### {DateTimeOffset.Now:O} {text}");

    private void OnExited()
    {
        // Drain the asynchronous readers first so that the tail holds the last words.
        try
        {
            _process.WaitForExit();
        }
        catch (InvalidOperationException)
        {
        }

        if (_exited.TrySetResult())
        {
            Append($"### {DateTimeOffset.Now:O} exited with code {_process.ExitCode}");
        }
    }

    /// <summary>A line of the process's output, stamped with the time it arrived (the hosts' console logs carry none).</summary>
    private void AppendOutput(string? line)
    {
        if (line is not null)
        {
            Append($"{DateTimeOffset.Now:HH:mm:ss.fff} {line}");
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _tail.Enqueue(line);
            while (_tail.Count > TailCapacity)
            {
                _tail.Dequeue();
            }

            if (!_logClosed)
            {
                _log.WriteLine(line);
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
}
