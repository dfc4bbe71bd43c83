using System.Text.RegularExpressions;
using Delineate.Browser.Tests.Browser;
using Deque.AxeCore.Commons;
using Deque.AxeCore.Playwright;

namespace Delineate.Browser.Tests;

/// <summary>
/// The progress page at <c>/ui/</c> in Chromium against a real gateway process (embedded mode):
/// start, follow live, download, cancel, errors, and the page's hygiene under the gateway's CSP.
/// Each test is its own owner (user id), so the tests do not see each other's jobs.
/// </summary>
public sealed class ProgressPageTests(PageGatewayFixture fixture, ITestOutputHelper output) : IClassFixture<PageGatewayFixture>
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Eight files that exist (multiples of 7) and one that does not, written the ways people paste them.</summary>
    private const string MixedIds = "70000, 70007 70014\n70021,70028\n70035 70042 70049\n10001";

    private static readonly int[] AvailableIds = [70000, 70007, 70014, 70021, 70028, 70035, 70042, 70049];

    /// <summary><paramref name="count"/> files that exist, from <paramref name="first"/> (a multiple of 7) on.</summary>
    private static string AvailableFileIds(int first, int count) => string.Join(' ', Enumerable.Range(0, count).Select(i => first + (7 * i)));

    /// <summary>Long enough (60 files, 4 at a time, 0.2–0.9 s each) to be still running when cancelled.</summary>
    private static string LongJobIds(int first) => AvailableFileIds(first, 60);

    [Fact]
    public async Task Page_loads_under_the_gateways_CSP_without_console_errors_or_failed_requests()
    {
        await using var browser = await ChromiumSession.StartAsync(fixture.Directory, "load");
        var tab = await browser.PageAsync();
        var probe = await PageProbe.AttachAsync(tab);
        var response = await tab.GotoAsync(new Uri(fixture.Gateway.BaseAddress, "/ui/").ToString());

        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        var csp = await response.HeaderValueAsync("content-security-policy");
        Assert.True(csp is not null && csp.Contains("default-src 'self'", StringComparison.Ordinal), $"/ui/ must carry the gateway's CSP; it sent: {csp ?? "(none)"}");

        // Loaded means: the modules ran, listed the (empty) jobs and reported the connection.
        await Assertions.Expect(tab.Locator("#jobs-message")).ToHaveTextAsync("No jobs yet: start one above.", new() { Timeout = 15_000 });
        await Assertions.Expect(tab.Locator("#connection")).ToHaveAttributeAsync("data-state", "idle");
        await tab.WaitForLoadStateAsync(LoadState.NetworkIdle);

        Assert.Empty(await probe.CspViolationsAsync());
        Assert.True(probe.ConsoleErrors.Count == 0, probe.Describe());
        Assert.True(probe.PageErrors.Count == 0, probe.Describe());
        Assert.True(probe.FailedRequests.Count == 0, probe.Describe());
        Assert.True(probe.ErrorResponses.Count == 0, probe.Describe());
    }

    [Fact]
    public async Task Starting_a_job_shows_live_progress_to_completion_and_the_button_downloads_a_valid_archive()
    {
        await using var browser = await ChromiumSession.StartAsync(fixture.Directory, "start");
        var page = await ProgressPage.OpenAsync(await browser.PageAsync(), fixture.Gateway.BaseAddress);
        await page.SetUserAsync("browser-start");

        var jobId = await page.StartJobAsync(MixedIds);
        await page.WaitForStatusAsync(jobId, "completed", JobTimeout);

        var renders = await page.Probe.RendersAsync(jobId);
        output.WriteLine($"renders of {jobId}: {ProgressAssert.Describe(renders)}");
        ProgressAssert.NeverWentBack(renders);
        Assert.True(renders.Any(r => r.Progress is > 0 and < 100), $"the bar never showed a value between 0 and 100: {ProgressAssert.Describe(renders)}");
        Assert.Equal(100, renders[^1].Progress);
        var connections = await page.Probe.ConnectionStatesAsync();
        Assert.True(
            connections.Any(c => c.State == "live" && c.Transport == "websocket"),
            $"progress should arrive over WebSocket; indicator states: {string.Join(", ", connections.Select(c => $"{c.State}/{c.Transport}"))}");

        var card = page.Job(jobId);
        await Assertions.Expect(card.Locator(".job-done")).ToHaveTextAsync("9 / 9");
        await Assertions.Expect(card.Locator(".job-missing")).ToHaveTextAsync("1");
        await Assertions.Expect(card.Locator(".job-failed")).ToHaveTextAsync("0");
        await Assertions.Expect(card.Locator(".job-message")).ToContainTextAsync("8 of 9 files ready");
        await Assertions.Expect(page.Page.Locator("#announcer")).ToContainTextAsync(jobId[^8..]);
        await page.ExpandFilesAsync(jobId);
        await Assertions.Expect(card.Locator("tbody tr")).ToHaveCountAsync(9);
        await Assertions.Expect(card.Locator("tbody tr[data-status='missing'] th")).ToHaveTextAsync("10001");
        await page.ScreenshotAsync("jobs-finished");

        var download = await page.Page.RunAndWaitForDownloadAsync(() => page.DownloadButton(jobId).ClickAsync());
        Assert.Null(await download.FailureAsync());
        Assert.EndsWith(".zip", download.SuggestedFilename, StringComparison.Ordinal);
        var archive = await File.ReadAllBytesAsync((await download.PathAsync())!);
        var entries = ZipContents.Read(archive);
        Assert.Equal(AvailableIds.Select(id => $"{id}.zip").Order(StringComparer.Ordinal), entries.Keys.Order(StringComparer.Ordinal));

        // Each entry is the very file its own link on the page serves.
        using var http = new HttpClient();
        foreach (var id in AvailableIds)
        {
            var link = card.GetByRole(AriaRole.Link, new() { Name = $"Download file {id}", Exact = true });
            var href = await link.GetAttributeAsync("href");
            Assert.False(string.IsNullOrEmpty(href), $"file {id} has no download link");
            var bytes = await http.GetByteArrayAsync(page.Resolve(href!));
            Assert.True(bytes.AsSpan().SequenceEqual(entries[$"{id}.zip"]), $"archive entry {id}.zip differs from the file's own link ({bytes.Length} vs {entries[$"{id}.zip"].Length} bytes)");
        }

        Assert.Empty(await page.Probe.CspViolationsAsync());
        Assert.True(page.Probe.ConsoleErrors.Count == 0 && page.Probe.PageErrors.Count == 0 && page.Probe.FailedRequests.Count == 0, page.Probe.Describe());
    }

    [Fact]
    public async Task With_WebSockets_cut_off_the_page_follows_the_job_over_Server_Sent_Events()
    {
        await using var browser = await ChromiumSession.StartAsync(fixture.Directory, "sse");
        var page = await ProgressPage.OpenAsync(await browser.PageAsync(), fixture.Gateway.BaseAddress);
        await page.SetUserAsync("browser-sse");
        // As a proxy that accepts the upgrade and closes at once.
        await page.Page.RouteWebSocketAsync(new Regex("/v1/download/subscribe/"), socket => _ = socket.CloseAsync(new() { Code = 1011, Reason = "cut off by the test" }));

        var jobId = await page.StartJobAsync(AvailableFileIds(72002, 12));
        await page.WaitForStatusAsync(jobId, "completed", JobTimeout);

        var connections = await page.Probe.ConnectionStatesAsync();
        Assert.True(
            connections.Any(c => c.State == "live" && c.Transport == "sse") && !connections.Any(c => c.State == "live" && c.Transport == "polling"),
            $"expected the page to fall back to SSE (and no further); indicator states: {string.Join(", ", connections.Select(c => $"{c.State}/{c.Transport}"))}");
        var renders = await page.Probe.RendersAsync(jobId);
        ProgressAssert.NeverWentBack(renders);
        Assert.Equal(100, renders[^1].Progress);
        await Assertions.Expect(page.DownloadButton(jobId)).ToBeVisibleAsync();
    }

    [Fact]
    public async Task With_WebSockets_and_event_streams_cut_off_the_page_polls_the_job_to_completion()
    {
        await using var browser = await ChromiumSession.StartAsync(fixture.Directory, "polling");
        var page = await ProgressPage.OpenAsync(await browser.PageAsync(), fixture.Gateway.BaseAddress);
        await page.SetUserAsync("browser-polling");
        await page.Page.RouteWebSocketAsync(new Regex("/v1/download/subscribe/"), socket => _ = socket.CloseAsync(new() { Code = 1011, Reason = "cut off by the test" }));
        await page.Page.RouteAsync(new Regex("/v1/download/events/"), route => route.AbortAsync("connectionreset"));

        var jobId = await page.StartJobAsync(AvailableFileIds(73003, 12));
        await page.WaitForStatusAsync(jobId, "completed", JobTimeout);

        var connections = await page.Probe.ConnectionStatesAsync();
        Assert.True(
            connections.Any(c => c.State == "live" && c.Transport == "polling"),
            $"expected the page to fall back to polling; indicator states: {string.Join(", ", connections.Select(c => $"{c.State}/{c.Transport}"))}");
        var renders = await page.Probe.RendersAsync(jobId);
        ProgressAssert.NeverWentBack(renders);
        Assert.Equal(100, renders[^1].Progress);
        await Assertions.Expect(page.DownloadButton(jobId)).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_running_job_cancelled_from_the_keyboard_is_shown_cancelled()
    {
        await using var browser = await ChromiumSession.StartAsync(fixture.Directory, "cancel");
        var page = await ProgressPage.OpenAsync(await browser.PageAsync(), fixture.Gateway.BaseAddress);
        await page.SetUserAsync("browser-cancel");

        // Keyboard only: into the field, type (as one insertion, like a paste), Tab to the button, Enter.
        await page.FileIds.FocusAsync();
        await page.Page.Keyboard.InsertTextAsync(LongJobIds(71001));
        await page.Page.Keyboard.PressAsync("Tab");
        Assert.Equal("start-button", await page.Page.EvaluateAsync<string>("() => document.activeElement.id"));
        var response = await page.Page.RunAndWaitForResponseAsync(
            () => page.Page.Keyboard.PressAsync("Enter"),
            r => r.Url.EndsWith("/v1/download/initiate", StringComparison.Ordinal));
        Assert.Equal(202, response.Status);
        var jobId = JsonDocument.Parse(await response.TextAsync()).RootElement.GetProperty("jobId").GetString()!;

        await page.WaitForProgressAsync(jobId, 5, JobTimeout);
        await Assertions.Expect(page.Job(jobId).Locator(".job-eta")).Not.ToHaveTextAsync("—");
        await page.ScreenshotAsync("job-running");

        // Tab on from the start button to the job's Cancel button, then press it.
        var cancel = page.CancelButton(jobId);
        await Poll.UntilAsync(
            "the Cancel button to take the focus by Tab",
            TimeSpan.FromSeconds(10),
            async _ =>
            {
                if (await cancel.EvaluateAsync<bool>("button => button === document.activeElement"))
                {
                    return true;
                }
                await page.Page.Keyboard.PressAsync("Tab");
                return false;
            },
            interval: TimeSpan.FromMilliseconds(1));
        var progressWhenCancelled = await page.ShownProgressAsync(jobId);
        await page.Page.Keyboard.PressAsync("Enter");

        await page.WaitForStatusAsync(jobId, "cancelled", TimeSpan.FromSeconds(10));
        var card = page.Job(jobId);
        await Assertions.Expect(card.Locator(".job-status")).ToHaveTextAsync("Cancelled");
        await Assertions.Expect(card.Locator(".job-message")).ToHaveTextAsync("The job was cancelled.");
        await Assertions.Expect(page.CancelButton(jobId)).ToBeHiddenAsync();
        await Assertions.Expect(page.DownloadButton(jobId)).ToBeHiddenAsync();
        Assert.True(await page.ShownProgressAsync(jobId) < 100, "a job cancelled early cannot show 100%");
        Assert.True(await page.ShownProgressAsync(jobId) >= progressWhenCancelled, "cancelling must not lower the bar");
        ProgressAssert.NeverWentBack(await page.Probe.RendersAsync(jobId));

        // The service agrees.
        using var http = new HttpClient { BaseAddress = fixture.Gateway.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/download/status/{jobId}") { Headers = { { "X-User-Id", "browser-cancel" } } };
        using var status = await http.SendAsync(request);
        var body = JsonDocument.Parse(await status.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("cancelled", body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Invalid_ids_show_the_APIs_field_error_next_to_the_field()
    {
        await using var browser = await ChromiumSession.StartAsync(fixture.Directory, "invalid");
        var page = await ProgressPage.OpenAsync(await browser.PageAsync(), fixture.Gateway.BaseAddress);
        await page.SetUserAsync("browser-invalid");

        var response = await page.SubmitAsync("5, 70000 200000000");
        Assert.Equal(400, response.Status);
        var problem = JsonDocument.Parse(await response.TextAsync()).RootElement;
        var messages = problem.GetProperty("errors").GetProperty("file_ids").EnumerateArray().Select(m => m.GetString()!).ToList();
        Assert.NotEmpty(messages);

        await Assertions.Expect(page.FieldError).ToBeVisibleAsync();
        foreach (var message in messages)
        {
            await Assertions.Expect(page.FieldError).ToContainTextAsync(message);
        }
        await Assertions.Expect(page.FieldError).ToContainTextAsync(problem.GetProperty("traceId").GetString()!);
        await Assertions.Expect(page.FileIds).ToHaveAttributeAsync("aria-invalid", "true");
        await Assertions.Expect(page.FileIds).ToHaveAttributeAsync("aria-describedby", new Regex("file-ids-error"));
        await Assertions.Expect(page.Jobs).ToHaveCountAsync(0);
        await page.ScreenshotAsync("error-invalid-ids");

        // What is not a number at all is caught before any request.
        await page.FileIds.FillAsync("70000 abc");
        await page.StartButton.ClickAsync();
        await Assertions.Expect(page.FieldError).ToContainTextAsync("Not a whole number: “abc”");

        // Fixing the ids clears the error and starts the job.
        var jobId = await page.StartJobAsync("70000");
        await Assertions.Expect(page.FieldError).ToBeHiddenAsync();
        await Assertions.Expect(page.FileIds).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await page.WaitForStatusAsync(jobId, "completed", JobTimeout);
    }

    [Fact]
    public async Task A_second_unfinished_job_over_the_owners_cap_shows_the_429()
    {
        await using var browser = await ChromiumSession.StartAsync(fixture.Directory, "cap");
        var page = await ProgressPage.OpenAsync(await browser.PageAsync(), fixture.Gateway.BaseAddress);
        await page.SetUserAsync("browser-cap");
        var first = await page.StartJobAsync(LongJobIds(75005));

        var response = await page.SubmitAsync("70000");
        Assert.Equal(429, response.Status);
        var detail = JsonDocument.Parse(await response.TextAsync()).RootElement.GetProperty("detail").GetString()!;
        await Assertions.Expect(page.FieldError).ToContainTextAsync(detail);
        await Assertions.Expect(page.Jobs).ToHaveCountAsync(1);

        await page.CancelButton(first).ClickAsync();
        await page.WaitForStatusAsync(first, "cancelled", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_failed_job_shows_its_error_and_the_trace_id_the_page_sent()
    {
        await using var browser = await ChromiumSession.StartAsync(fixture.Directory, "failed");
        var page = await ProgressPage.OpenAsync(await browser.PageAsync(), fixture.Gateway.BaseAddress);
        await page.SetUserAsync("browser-failed");

        // No file exists: the job fails.
        var response = await page.SubmitAsync("10001 10002 10004");
        Assert.Equal(202, response.Status);
        var traceParent = await response.Request.HeaderValueAsync("traceparent");
        Assert.NotNull(traceParent);
        var traceId = traceParent.Split('-')[1];
        var jobId = JsonDocument.Parse(await response.TextAsync()).RootElement.GetProperty("jobId").GetString()!;

        await page.WaitForStatusAsync(jobId, "failed", JobTimeout);
        var card = page.Job(jobId);
        await Assertions.Expect(card.Locator(".job-error")).ToBeVisibleAsync();
        await Assertions.Expect(card.Locator(".job-error-text")).ToContainTextAsync("The job failed");
        await Assertions.Expect(card.Locator(".job-trace-id")).ToHaveTextAsync(traceId);
        await Assertions.Expect(card.Locator(".job-missing")).ToHaveTextAsync("3");
        await Assertions.Expect(page.DownloadButton(jobId)).ToBeHiddenAsync();
        await page.ScreenshotAsync("job-failed");

        // The gateway really used that trace for the job.
        Assert.Contains(traceId, fixture.Gateway.Process.ReadLog(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_finished_job_has_a_purge_button_that_deletes_it_and_retry_only_where_a_run_could_help()
    {
        await using var browser = await ChromiumSession.StartAsync(fixture.Directory, "purge");
        var page = await ProgressPage.OpenAsync(await browser.PageAsync(), fixture.Gateway.BaseAddress);
        const string user = "browser-purge";
        await page.SetUserAsync(user);

        // Every file missing: failed, but a new run would find none of them either.
        var failed = await page.StartJobAsync("10008 10009");
        await page.WaitForStatusAsync(failed, "failed", JobTimeout);
        await Assertions.Expect(page.RetryButton(failed)).ToBeHiddenAsync();
        await Assertions.Expect(page.PurgeButton(failed)).ToBeVisibleAsync();

        var completed = await page.StartJobAsync("70000 70007");
        await Assertions.Expect(page.PurgeButton(completed)).ToBeHiddenAsync();
        await page.WaitForStatusAsync(completed, "completed", JobTimeout);
        await Assertions.Expect(page.RetryButton(completed)).ToBeHiddenAsync();

        await page.PurgeButton(completed).ClickAsync();
        await Assertions.Expect(page.Job(completed)).ToHaveCountAsync(0);
        await Assertions.Expect(page.Job(failed)).ToBeVisibleAsync();
        using var http = new HttpClient { BaseAddress = fixture.Gateway.BaseAddress };
        http.DefaultRequestHeaders.Add("X-User-Id", user);
        using var status = await http.GetAsync($"/v1/download/status/{completed}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, status.StatusCode);
    }

    [Fact]
    public async Task The_page_fits_a_phone_and_passes_an_axe_accessibility_check()
    {
        await using var browser = await ChromiumSession.StartAsync(fixture.Directory, "phone", ChromiumSession.Phone);
        var page = await ProgressPage.OpenAsync(await browser.PageAsync(), fixture.Gateway.BaseAddress);
        await page.SetUserAsync("browser-phone");

        var failed = await page.StartJobAsync("10008");
        await page.WaitForStatusAsync(failed, "failed", JobTimeout);
        var completed = await page.StartJobAsync("70000 70007 10001");
        await page.WaitForStatusAsync(completed, "completed", JobTimeout);
        await page.ExpandFilesAsync(completed);
        await page.SubmitAsync("1");
        await Assertions.Expect(page.FieldError).ToBeVisibleAsync();

        var overflow = await page.Page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
        Assert.True(overflow <= 0, $"the page is {overflow} px wider than a {ChromiumSession.Phone.Width} px phone screen");
        await page.ScreenshotAsync("phone");

        var axe = await page.Page.RunAxe(new AxeRunOptions
        {
            RunOnly = new RunOnlyOptions { Type = "tag", Values = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
        });
        var violations = axe.Violations.Select(v => $"{v.Id} ({v.Impact}): {v.Help} at {string.Join("; ", v.Nodes.Select(n => string.Join(" ", n.Target)))}").ToList();
        Assert.True(violations.Count == 0, $"axe found {violations.Count} accessibility violations:\n{string.Join('\n', violations)}");
    }
}
