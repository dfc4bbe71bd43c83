namespace Delineate.Testing;

/// <summary>
/// A fresh folder per test fixture under the system temp folder, holding every process's log and data.
/// Logs are kept after the run (their paths are printed in failure messages); <c>data/</c> is deleted.
/// </summary>
public sealed class TestDirectory : IDisposable
{
    private TestDirectory(string path) => Path = path;

    public string Path { get; }

    public static TestDirectory Create(string name)
    {
        var path = System.IO.Path.Combine(
            System.IO.Path.GetTempPath(),
            "delineate-e2e",
            $"{name}-{DateTime.Now:yyyyMMdd-HHmmss}-{Guid.NewGuid().ToString("N")[..6]}");
        Directory.CreateDirectory(path);
        return new TestDirectory(path);
    }

    public string LogFile(string processName) => System.IO.Path.Combine(Path, $"{processName}.log");

    /// <summary>A data folder that lives as long as this test directory (and survives process restarts).</summary>
    public string DataFolder(string name)
    {
        var path = System.IO.Path.Combine(Path, "data", name);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        try
        {
            var data = System.IO.Path.Combine(Path, "data");
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
        catch (IOException)
        {
            // A process still writing; the temp folder is cleaned by the OS eventually.
        }
    }
}
