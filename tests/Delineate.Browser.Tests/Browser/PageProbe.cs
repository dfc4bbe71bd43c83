using System.Collections.Concurrent;

namespace Delineate.Browser.Tests.Browser;

/// <summary>
/// Records what a page did: console errors, uncaught exceptions, failed requests and HTTP error
/// answers (from Playwright's events), and, through an init script (which the page's CSP does not
/// govern), every progress render, connection state and CSP violation the page itself reports.
/// </summary>
public sealed class PageProbe
{
    private const string InitScript = """
        (() => {
          const probe = { renders: [], connection: [], csp: [] };
          Object.defineProperty(window, '__delineateProbe', { value: probe });
          document.addEventListener('delineate:render', (e) => probe.renders.push({ ...e.detail, at: Date.now() }));
          document.addEventListener('delineate:connection', (e) => probe.connection.push({ ...e.detail, at: Date.now() }));
          document.addEventListener('securitypolicyviolation', (e) => probe.csp.push(
            `${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`));
        })();
        """;

    private readonly ConcurrentQueue<string> _consoleErrors = new();
    private readonly ConcurrentQueue<string> _pageErrors = new();
    private readonly ConcurrentQueue<string> _failedRequests = new();
    private readonly ConcurrentQueue<string> _errorResponses = new();

    private PageProbe(IPage page) => Page = page;

    public IPage Page { get; }

    public IReadOnlyCollection<string> ConsoleErrors => _consoleErrors;

    public IReadOnlyCollection<string> PageErrors => _pageErrors;

    public IReadOnlyCollection<string> FailedRequests => _failedRequests;

    public IReadOnlyCollection<string> ErrorResponses => _errorResponses;

    public static async Task<PageProbe> AttachAsync(IPage page)
    {
        var probe = new PageProbe(page);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                probe._consoleErrors.Enqueue($"{message.Text} ({message.Location})");
            }
        };
        page.PageError += (_, error) => probe._pageErrors.Enqueue(error);
        page.RequestFailed += (_, request) => probe._failedRequests.Enqueue($"{request.Method} {request.Url}: {request.Failure}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                probe._errorResponses.Enqueue($"{response.Request.Method} {response.Url} → {response.Status}");
            }
        };
        await page.AddInitScriptAsync(InitScript);
        return probe;
    }

    /// <summary>Every render the page reported, in order.</summary>
    public async Task<IReadOnlyList<RenderRecord>> RendersAsync(string? jobId = null)
    {
        var all = await Page.EvaluateAsync<JsonElement>("() => window.__delineateProbe.renders");
        return all.EnumerateArray()
            .Select(r => new RenderRecord(
                r.GetProperty("jobId").GetString()!,
                r.GetProperty("seq").GetInt64(),
                r.GetProperty("progress").GetInt32(),
                r.GetProperty("status").GetString()!,
                r.GetProperty("phase").GetString()!,
                r.GetProperty("at").GetInt64()))
            .Where(r => jobId is null || r.JobId == jobId)
            .ToList();
    }

    /// <summary>Every state the connection indicator went through, in order.</summary>
    public async Task<IReadOnlyList<ConnectionRecord>> ConnectionStatesAsync()
    {
        var all = await Page.EvaluateAsync<JsonElement>("() => window.__delineateProbe.connection");
        return all.EnumerateArray()
            .Select(c => new ConnectionRecord(
                c.GetProperty("state").GetString()!,
                c.GetProperty("transport").GetString()!,
                c.GetProperty("text").GetString()!,
                c.GetProperty("at").GetInt64()))
            .ToList();
    }

    /// <summary>Content-Security-Policy violations the page saw.</summary>
    public async Task<IReadOnlyList<string>> CspViolationsAsync()
    {
        var all = await Page.EvaluateAsync<JsonElement>("() => window.__delineateProbe.csp");
        return all.EnumerateArray().Select(v => v.GetString()!).ToList();
    }

    /// <summary>A summary for failure messages.</summary>
    public string Describe() =>
        $"console errors: [{string.Join(" | ", _consoleErrors)}]; page errors: [{string.Join(" | ", _pageErrors)}]; " +
        $"failed requests: [{string.Join(" | ", _failedRequests)}]; HTTP errors: [{string.Join(" | ", _errorResponses)}]";
}

/// <summary>One render of a job card: what the bar showed and why.</summary>
public sealed record RenderRecord(string JobId, long Seq, int Progress, string Status, string Phase, long At);

/// <summary>One state of the page's connection indicator.</summary>
public sealed record ConnectionRecord(string State, string Transport, string Text, long At);
