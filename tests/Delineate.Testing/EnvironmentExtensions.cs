namespace Delineate.Testing;

/// <summary>Building the environment variables a process is started with.</summary>
public static class EnvironmentExtensions
{
    /// <summary>Sets every variable of <paramref name="more"/> on <paramref name="environment"/> (theirs win) and returns it.</summary>
    public static Dictionary<string, string?> With(this Dictionary<string, string?> environment, IReadOnlyDictionary<string, string?>? more)
    {
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }
        return environment;
    }
}
