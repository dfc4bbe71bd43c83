using System.Reflection;

namespace Delineate.Testing;

/// <summary>Where the built processes and installed tools are, found from the test assembly's own location.</summary>
public static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration of this test assembly; the processes under test are taken from the same one.</summary>
    public static string Configuration { get; } =
        typeof(RepositoryLayout).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string GatewayDll => Built("Gateway", "Delineate.Gateway.dll");

    public static string SiloDll => Built("Silo", "Delineate.Silo.dll");

    /// <summary>The <c>delineate</c> command line, run as <c>dotnet delineate.dll …</c>.</summary>
    public static string CliDll => Built("Cli", "delineate.dll");

    public static string S3rverBin
    {
        get
        {
            var path = Path.Combine(Root, ".tools", "node_modules", ".bin", "s3rver");
            return File.Exists(path)
                ? path
                : throw new FileNotFoundException(
                    $"s3rver is not installed at {path}: run ./test.sh, or `npm install --prefix .tools s3rver@3.7.1` at the repository root.");
        }
    }

    private static string Built(string project, string dll)
    {
        var path = Path.Combine(Root, "src", project, "bin", Configuration, "net10.0", dll);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException(
                $"{dll} is not built at {path}: build the solution with `dotnet build Delineate.sln -c {Configuration}`.");
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Delineate.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No Delineate.sln above {AppContext.BaseDirectory}.");
    }
}
