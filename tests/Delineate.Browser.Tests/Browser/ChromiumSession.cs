namespace Delineate.Browser.Tests.Browser;

/// <summary>
/// Debian's Chromium (never a downloaded browser) driven by Playwright, headless, with a fresh
/// profile folder per session. Disposing closes the browser and Playwright's driver.
/// </summary>
public sealed class ChromiumSession : IAsyncDisposable
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static readonly ViewportSize Desktop = new() { Width = 1100, Height = 900 };

    /// <summary>A phone's width (iPhone 12–15 class), to check the layout holds.</summary>
    public static readonly ViewportSize Phone = new() { Width = 390, Height = 844 };

    private static readonly string[] Arguments =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    private readonly IPlaywright _playwright;

    private ChromiumSession(IPlaywright playwright, IBrowserContext context)
    {
        _playwright = playwright;
        Context = context;
    }

    public IBrowserContext Context { get; }

    public static async Task<ChromiumSession> StartAsync(TestDirectory directory, string name, ViewportSize? viewport = null)
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"Chromium is not installed at {ExecutablePath}: `apt-get install -y chromium` (./test.sh does).");
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var profile = directory.DataFolder($"chromium-{name}-{Guid.NewGuid():N}");
            var context = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,
                Args = Arguments,
                ViewportSize = viewport ?? Desktop,
                AcceptDownloads = true,
                Locale = "en-GB",
                TimezoneId = "UTC",
                ColorScheme = ColorScheme.Light,
            });
            return new ChromiumSession(playwright, context);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>The context's first tab (a persistent context opens with one).</summary>
    public async Task<IPage> PageAsync() => Context.Pages.Count > 0 ? Context.Pages[0] : await Context.NewPageAsync();

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        _playwright.Dispose();
    }
}
