using System.Text.RegularExpressions;
using Delineate.Browser.Tests.Browser;

namespace Delineate.Browser.Tests;

/// <summary>
/// A gateway of its own with a small request budget (RATE_LIMIT_MAX_REQUESTS per minute, which the
/// page's own assets count against too): starting jobs until the gateway answers 429 shows the
/// wait its Retry-After asks for next to the field.
/// </summary>
public sealed class RateLimitTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int RequestBudget = 30;

    private TestDirectory? _directory;
    private GatewayProcess? _gateway;

    public async Task InitializeAsync()
    {
        _directory = TestDirectory.Create("browser-rate-limit");
        _gateway = await GatewayProcess.StartEmbeddedAsync(
            _directory,
            new Dictionary<string, string?>
            {
                ["DOWNLOAD_DELAY_ENABLED"] = "false",
                ["RATE_LIMIT_MAX_REQUESTS"] = RequestBudget.ToString(),
                ["RATE_LIMIT_WINDOW_MS"] = "60000",
            },
            "gateway-rate-limited");
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
    public async Task Too_many_requests_shows_the_wait_time_from_Retry_After()
    {
        await using var browser = await ChromiumSession.StartAsync(_directory!, "rate-limit");
        var page = await ProgressPage.OpenAsync(await browser.PageAsync(), _gateway!.BaseAddress);

        IResponse? limited = null;
        var started = 0;
        await Poll.UntilAsync(
            $"an initiate to be answered 429 within a budget of {RequestBudget} requests",
            TimeSpan.FromSeconds(30),
            async _ =>
            {
                var response = await page.SubmitAsync("70000 70007");
                if (response.Status == 429)
                {
                    limited = response;
                    return true;
                }
                Assert.Equal(202, response.Status);
                started++;
                return started > RequestBudget ? throw new PollAbortedException($"{started} jobs started and no 429") : false;
            },
            () => page.Probe.Describe(),
            TimeSpan.FromMilliseconds(1));

        var retryAfter = await limited!.HeaderValueAsync("retry-after");
        Assert.NotNull(retryAfter);
        output.WriteLine($"429 after {started} jobs; Retry-After: {retryAfter}");
        await Assertions.Expect(page.FieldError).ToBeVisibleAsync();
        await Assertions.Expect(page.FieldError).ToContainTextAsync($"Try again in {retryAfter} s");
        await Assertions.Expect(page.FieldError).ToHaveAttributeAsync("data-status", "429");
        await Assertions.Expect(page.FileIds).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.FieldError).ToContainTextAsync(new Regex(@"request id [0-9a-f-]{36}"));
        await page.ScreenshotAsync("error-rate-limited");
    }
}
