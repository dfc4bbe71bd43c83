using System.Net;
using System.Text;
using Xunit.Sdk;

namespace Delineate.Api.Tests.Support;

/// <summary>The job API calls the tests make, as extension methods on a gateway's <see cref="HttpClient"/>.</summary>
public static class JobRequests
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, string body, string contentType = "application/json") =>
        client.PostAsync(path, new StringContent(body, Encoding.UTF8, contentType));

    /// <summary>POST /v1/download/initiate; asserts 202 and returns the body.</summary>
    public static async Task<JsonElement> InitiateAsync(this HttpClient client, IEnumerable<int> fileIds, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/download/initiate")
        {
            Content = new StringContent(TestData.InitiateBody(fileIds), Encoding.UTF8, "application/json"),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != HttpStatusCode.Accepted)
        {
            throw new XunitException($"POST /v1/download/initiate answered {(int)response.StatusCode}, expected 202: {text}");
        }

        return JsonElementExtensions.ParseJson(text);
    }

    /// <summary>Initiates and returns the job id.</summary>
    public static async Task<string> StartJobAsync(this HttpClient client, IEnumerable<int> fileIds) =>
        (await client.InitiateAsync(fileIds)).String("jobId");

    /// <summary>GET the status; asserts 200.</summary>
    public static async Task<JsonElement> StatusAsync(this HttpClient client, string jobId, CancellationToken cancellationToken = default)
    {
        using var response = await client.GetAsync($"/v1/download/status/{jobId}", cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new XunitException($"GET status of {jobId} answered {(int)response.StatusCode}: {text}");
        }

        return JsonElementExtensions.ParseJson(text);
    }

    /// <summary>Polls the status until <paramref name="condition"/> holds; returns that status.</summary>
    public static async Task<JsonElement> WaitForStatusAsync(
        this HttpClient client,
        string jobId,
        Func<JsonElement, bool> condition,
        TimeSpan timeout,
        string what,
        Func<string>? diagnostics = null)
    {
        JsonElement? last = null;
        var boxed = await Poll.UntilAsync<object>(
            $"job {jobId}: {what}",
            timeout,
            async ct =>
            {
                var status = await client.StatusAsync(jobId, ct);
                last = status;
                if (condition(status))
                {
                    return status;
                }

                if (JobStatuses.IsTerminal(status.String("status")))
                {
                    throw new PollAbortedException($"job {jobId} finished before {what}: {status.GetRawText()}");
                }

                return null;
            },
            () => $"last status: {last?.GetRawText() ?? "none"}\n{diagnostics?.Invoke()}",
            TimeSpan.FromMilliseconds(50));
        return (JsonElement)boxed;
    }

    /// <summary>Polls until the job is completed, failed or cancelled.</summary>
    public static async Task<JsonElement> WaitForTerminalAsync(this HttpClient client, string jobId, TimeSpan timeout, Func<string>? diagnostics = null)
    {
        JsonElement? last = null;
        var boxed = await Poll.UntilAsync<object>(
            $"job {jobId} to finish",
            timeout,
            async ct =>
            {
                var status = await client.StatusAsync(jobId, ct);
                last = status;
                return JobStatuses.IsTerminal(status.String("status")) ? status : null;
            },
            () => $"last status: {last?.GetRawText() ?? "none"}\n{diagnostics?.Invoke()}",
            TimeSpan.FromMilliseconds(100));
        return (JsonElement)boxed;
    }
}
