using System.Diagnostics;
using System.Net;
using System.Text;
using Xunit.Sdk;

namespace Delineate.Testing;

/// <summary>The gateway's download API over plain HTTP, as a client sees it. Redirects are not followed.</summary>
public sealed class DownloadApiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Func<string> _diagnostics;

    /// <param name="gatewayBase">The gateway's base address.</param>
    /// <param name="diagnostics">Appended to failure messages (process log tails).</param>
    public DownloadApiClient(Uri gatewayBase, Func<string> diagnostics)
    {
        BaseAddress = gatewayBase;
        _diagnostics = diagnostics;
        _http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false })
        {
            BaseAddress = gatewayBase,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public Uri BaseAddress { get; }

    public HttpClient Http => _http;

    /// <summary>A URL from a response, which may be relative to the gateway (starting with <c>/</c>) or absolute.</summary>
    public Uri Resolve(string url) => new(BaseAddress, url);

    public Task<HttpResponseMessage> PostInitiateAsync(string body, string contentType = "application/json") =>
        _http.PostAsync("/v1/download/initiate", new StringContent(body, Encoding.UTF8, contentType));

    /// <summary>Initiates a job and asserts the 202 answer's shape.</summary>
    public async Task<InitiatedJob> InitiateAsync(IReadOnlyList<int> fileIds)
    {
        var clock = Stopwatch.StartNew();
        using var response = await PostInitiateAsync(JsonSerializer.Serialize(new { file_ids = fileIds }));
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new XunitException(
                $"POST /v1/download/initiate answered {(int)response.StatusCode} after {clock.ElapsedMilliseconds} ms, expected 202: {text}\n{_diagnostics()}");
        }

        var body = JsonElementExtensions.ParseJson(text);
        var jobId = body.String("jobId");
        return new InitiatedJob(jobId, body, response.Headers.Location, fileIds);
    }

    /// <summary>GET the status; asserts 200.</summary>
    public async Task<JsonElement> GetStatusAsync(string jobId, CancellationToken cancellationToken = default)
    {
        using var response = await _http.GetAsync($"/v1/download/status/{jobId}", cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new XunitException($"GET status of {jobId} answered {(int)response.StatusCode}: {text}\n{_diagnostics()}");
        }

        return JsonElementExtensions.ParseJson(text);
    }

    /// <summary>
    /// GET the status; null unless 200 within <paramref name="timeout"/> (for polls that ride
    /// through a failover, where one request may hang while others already answer).
    /// </summary>
    public async Task<JsonElement?> TryGetStatusAsync(string jobId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        attempt.CancelAfter(timeout);
        try
        {
            using var response = await _http.GetAsync($"/v1/download/status/{jobId}", attempt.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }

            return JsonElementExtensions.ParseJson(await response.Content.ReadAsStringAsync(attempt.Token));
        }
        catch (HttpRequestException)
        {
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>Polls the status until it is terminal (completed, failed or cancelled).</summary>
    public async Task<JsonElement> WaitForTerminalStatusAsync(string jobId, TimeSpan timeout)
    {
        JsonElement? last = null;
        var boxed = await Poll.UntilAsync<object>(
            $"job {jobId} to finish",
            timeout,
            async ct =>
            {
                var status = await GetStatusAsync(jobId, ct);
                last = status;
                return JobStatuses.IsTerminal(status.String("status")) ? status : null;
            },
            () => $"last status: {last?.GetRawText() ?? "none"}\n{_diagnostics()}",
            TimeSpan.FromMilliseconds(250));
        return (JsonElement)boxed;
    }

    /// <summary>GET a URL (relative to the gateway or absolute) and return its bytes; asserts 200.</summary>
    public async Task<byte[]> DownloadAsync(string url)
    {
        var uri = Resolve(url);
        using var response = await _http.GetAsync(uri);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var text = await response.Content.ReadAsStringAsync();
            throw new XunitException($"GET {uri} answered {(int)response.StatusCode}: {text}");
        }

        return await response.Content.ReadAsByteArrayAsync();
    }

    public void Dispose() => _http.Dispose();
}
