namespace Delineate.Browser.Tests.Browser;

/// <summary>Where the tests keep the page's screenshots: <c>docs/screenshots/</c> at the repository root.</summary>
public static class Screenshots
{
    public static string PathFor(string name)
    {
        var folder = Path.Combine(RepositoryLayout.Root, "docs", "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, $"{name}.png");
    }
}
