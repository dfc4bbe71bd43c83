namespace Delineate.Storage.Tests.Infrastructure;

/// <summary>Finds the repository (and the s3rver installed in its .tools) from the test assembly's location.</summary>
public static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

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
