using System.Text.RegularExpressions;

namespace Delineate.Browser.Tests.Browser;

/// <summary>The progress page at <c>/ui/</c>, as a user works it: by labels and roles.</summary>
public sealed class ProgressPage
{
    private readonly Uri _gateway;

    private ProgressPage(PageProbe probe, Uri gateway)
    {
        Probe = probe;
        _gateway = gateway;
    }

    public PageProbe Probe { get; }

    public IPage Page => Probe.Page;

    public ILocator FileIds => Page.GetByLabel("File ids", new() { Exact = true });

    public ILocator StartButton => Page.GetByRole(AriaRole.Button, new() { Name = "Start download" });

    public ILocator FieldError => Page.Locator("#file-ids-error");

    public ILocator Connection => Page.Locator("#connection");

    public ILocator Jobs => Page.Locator("#jobs > li.job");

    public static async Task<ProgressPage> OpenAsync(IPage page, Uri gateway)
    {
        var probe = await PageProbe.AttachAsync(page);
        var progressPage = new ProgressPage(probe, gateway);
        var url = new Uri(gateway, "/ui/");
        var response = await page.GotoAsync(url.ToString(), new() { WaitUntil = WaitUntilState.Load });
        Assert.True(response?.Status == 200, $"GET {url} answered {response?.Status.ToString() ?? "nothing"}: the gateway does not serve the page.");
        await Assertions.Expect(page.Locator("#jobs-message")).Not.ToBeEmptyAsync(new() { Timeout = 15_000 });
        return progressPage;
    }

    /// <summary>Saves a user id under "Who you are"; the page then sends it as X-User-Id.</summary>
    public async Task SetUserAsync(string userId)
    {
        await Page.GetByRole(AriaRole.Radio, new() { Name = "User id" }).CheckAsync();
        await Page.GetByRole(AriaRole.Textbox, new() { Name = "User id", Exact = true }).FillAsync(userId);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(Page.Locator("#owner-saved")).ToContainTextAsync(userId);
        await Assertions.Expect(Page.Locator("#jobs-message")).Not.ToBeEmptyAsync(new() { Timeout = 15_000 });
    }

    /// <summary>Saves an API key under "Who you are"; the page then sends it as X-API-Key.</summary>
    public async Task SetApiKeyAsync(string apiKey)
    {
        await Page.GetByRole(AriaRole.Radio, new() { Name = "API key" }).CheckAsync();
        await Assertions.Expect(Page.Locator("#owner-value-label")).ToHaveTextAsync("API key");
        await Page.Locator("#owner-value").FillAsync(apiKey);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(Page.Locator("#owner-saved")).ToContainTextAsync("your API key");
    }

    /// <summary>Types ids and presses Start; returns the initiate answer the page got (any status).</summary>
    public async Task<IResponse> SubmitAsync(string fileIds)
    {
        await FileIds.FillAsync(fileIds);
        return await Page.RunAndWaitForResponseAsync(
            () => StartButton.ClickAsync(),
            response => response.Url.EndsWith("/v1/download/initiate", StringComparison.Ordinal) && response.Request.Method == "POST");
    }

    /// <summary>Starts a job from the form; returns its id once its card is on the page.</summary>
    public async Task<string> StartJobAsync(string fileIds)
    {
        var response = await SubmitAsync(fileIds);
        var body = await response.TextAsync();
        Assert.True(response.Status == 202, $"POST /v1/download/initiate answered {response.Status}: {body}");
        var jobId = JsonDocument.Parse(body).RootElement.GetProperty("jobId").GetString()!;
        await Assertions.Expect(Job(jobId)).ToBeVisibleAsync();
        return jobId;
    }

    public ILocator Job(string jobId) => Page.Locator($"#jobs > li.job[data-job-id='{jobId}']");

    public Task WaitForStatusAsync(string jobId, string status, TimeSpan timeout) =>
        Assertions.Expect(Job(jobId)).ToHaveAttributeAsync("data-status", status, new() { Timeout = (float)timeout.TotalMilliseconds });

    /// <summary>Waits until the job's card shows it running with its bar past <paramref name="percent"/>.</summary>
    public Task WaitForProgressAsync(string jobId, int percent, TimeSpan timeout) =>
        Page.WaitForFunctionAsync(
            """
            ([jobId, percent]) => {
              const card = document.querySelector(`#jobs > li.job[data-job-id='${jobId}']`);
              return card !== null && card.dataset.status === 'processing' && Number(card.dataset.progress) >= percent;
            }
            """,
            new object[] { jobId, percent },
            new() { Timeout = (float)timeout.TotalMilliseconds, PollingInterval = 50 });

    public async Task<int> ShownProgressAsync(string jobId) =>
        int.Parse(await Job(jobId).GetAttributeAsync("data-progress") ?? "0");

    public ILocator CancelButton(string jobId) => Job(jobId).GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Cancel job ") });

    public ILocator RetryButton(string jobId) => Job(jobId).GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Retry failed files of job ") });

    public ILocator PurgeButton(string jobId) => Job(jobId).GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Purge job ") });

    public ILocator DownloadButton(string jobId) => Job(jobId).GetByRole(AriaRole.Link, new() { NameRegex = new Regex(@"^Download archive \(\d+ files\) of job ") });

    public async Task ExpandFilesAsync(string jobId)
    {
        var details = Job(jobId).Locator("details.job-files");
        if (await details.GetAttributeAsync("open") is null)
        {
            await details.Locator("summary").ClickAsync();
        }
        await Assertions.Expect(details.Locator("tbody tr").First).ToBeVisibleAsync();
    }

    /// <summary>Saves a full-page screenshot into docs/screenshots/, the pointer moved out of the way first.</summary>
    public async Task ScreenshotAsync(string name)
    {
        await Page.Mouse.MoveAsync(0, 0);
        await Page.ScreenshotAsync(new() { Path = Screenshots.PathFor(name), FullPage = true, Animations = ScreenshotAnimations.Disabled });
    }

    public Uri Resolve(string url) => new(_gateway, url);
}
