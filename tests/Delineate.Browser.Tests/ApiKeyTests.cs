using Delineate.Browser.Tests.Browser;

namespace Delineate.Browser.Tests;

/// <summary>
/// A gateway of its own in API-key mode (<c>Auth:Mode=apikey</c>): the page asks for a key, keeps
/// it in local storage, and sends it on every request, the WebSocket subscription included.
/// </summary>
public sealed class ApiKeyTests : IAsyncLifetime
{
    private const string ApiKey = "browser-key-0123456789abcdef";

    private TestDirectory? _directory;
    private GatewayProcess? _gateway;

    public async Task InitializeAsync()
    {
        _directory = TestDirectory.Create("browser-api-key");
        _gateway = await GatewayProcess.StartEmbeddedAsync(
            _directory,
            new Dictionary<string, string?>
            {
                ["Auth__Mode"] = "apikey",
                ["Auth__ApiKeys"] = $"{ApiKey}=key-owner",
                ["DOWNLOAD_DELAY_ENABLED"] = "true",
                ["DOWNLOAD_DELAY_MIN_MS"] = "200",
                ["DOWNLOAD_DELAY_MAX_MS"] = "600",
                ["RATE_LIMIT_MAX_REQUESTS"] = "100000",
            },
            "gateway-api-key");
    }

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        _directory?.Dispose();
    }

    [Fact]
    public async Task The_API_key_is_kept_in_local_storage_and_sent_on_every_request_including_the_WebSocket()
    {
        await using var browser = await ChromiumSession.StartAsync(_directory!, "api-key");
        var page = await ProgressPage.OpenAsync(await browser.PageAsync(), _gateway!.BaseAddress);
        await Assertions.Expect(page.Page.Locator("#jobs-message")).ToContainTextAsync("needs a valid API key");

        await page.SetApiKeyAsync(ApiKey);
        await Assertions.Expect(page.Page.Locator("#jobs-message")).ToHaveTextAsync("No jobs yet: start one above.");
        var jobId = await page.StartJobAsync("70000 70007 70014 10001");
        await page.WaitForStatusAsync(jobId, "completed", TimeSpan.FromSeconds(60));
        var connections = await page.Probe.ConnectionStatesAsync();
        Assert.True(
            connections.Any(c => c.State == "live" && c.Transport == "websocket"),
            $"the WebSocket must be accepted with the key; indicator states: {string.Join(", ", connections.Select(c => $"{c.State}/{c.Transport}"))}");

        // A new visit finds the key and the job again.
        await page.Page.ReloadAsync();
        await Assertions.Expect(page.Page.Locator("#owner-value")).ToHaveValueAsync(ApiKey);
        await Assertions.Expect(page.Page.GetByRole(AriaRole.Radio, new() { Name = "API key" })).ToBeCheckedAsync();
        await Assertions.Expect(page.Job(jobId)).ToHaveAttributeAsync("data-status", "completed", new() { Timeout = 15_000 });
        await Assertions.Expect(page.DownloadButton(jobId)).ToBeVisibleAsync();
        // Only the listing before the key was entered was refused.
        Assert.DoesNotContain(page.Probe.ErrorResponses, e => !e.Contains("/v1/download/jobs", StringComparison.Ordinal));
    }
}
