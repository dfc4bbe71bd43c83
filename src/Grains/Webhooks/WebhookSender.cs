using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Delineate.Grains.Jobs;
using Delineate.Grains.Options;
using Delineate.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Delineate.Grains.Webhooks;

/// <summary>
/// Makes one delivery attempt of a finished job's webhook: builds the payload (links signed now),
/// signs it, POSTs it with the attempt timeout through the guarded client
/// (<see cref="WebhookConnector"/>; no redirects, no proxy) and says how it went. Only a 2xx answer
/// counts as delivered.
/// </summary>
public sealed class WebhookSender(
    IHttpClientFactory clients,
    IOptions<WebhookOptions> options,
    IOptions<JobOptions> jobOptions,
    IFileSource source,
    IExportStore exports,
    TimeProvider time)
{
    public const string ClientName = "delineate-webhooks";
    public const string JobIdHeader = "Delineate-Job-Id";
    public const string AttemptHeader = "Delineate-Attempt";

    private readonly WebhookSigner? _signer = options.Value.Secret is { Length: > 0 } secret ? new WebhookSigner(secret) : null;

    public WebhookOptions Options => options.Value;

    /// <summary>A job activation's delivery driver; a pending delivery (a successor after a failover) is scheduled at once.</summary>
    public WebhookDelivery Attach(IGrainBase grain, Guid jobId, IPersistentState<DownloadJobState> state, JobWakeReminder wake, Func<Task> commit, ILogger logger)
    {
        var delivery = new WebhookDelivery(grain, jobId, state, wake, commit, this, time, logger);
        delivery.Resume();
        return delivery;
    }

    /// <param name="attempt">The attempt's number, from 1 (sent as a header, for receivers' logs).</param>
    /// <param name="stopping">The activation is going away: the attempt is abandoned, not counted.</param>
    public async Task<WebhookAttempt> SendAsync(Guid jobId, DownloadJobState state, WebhookState hook, int attempt, CancellationToken stopping)
    {
        if (_signer is null)
        {
            return WebhookAttempt.Retry("WEBHOOK_SECRET is not set on the silo: nothing is sent unsigned.");
        }
        var now = time.GetUtcNow();
        var body = WebhookPayload.Of(jobId, state, now, JobLinks.For(source, exports, now + jobOptions.Value.UrlExpiry), hook.BaseUrl).ToUtf8();
        using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.TryAddWithoutValidation(WebhookSigner.HeaderName, _signer.Sign(now.ToUnixTimeSeconds(), body));
        request.Headers.TryAddWithoutValidation(JobIdHeader, jobId.ToString());
        request.Headers.TryAddWithoutValidation(AttemptHeader, attempt.ToString(CultureInfo.InvariantCulture));
        request.Headers.UserAgent.ParseAdd("Delineate-Webhooks/1");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(options.Value.Timeout);
        try
        {
            using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            return response.IsSuccessStatusCode
                ? WebhookAttempt.Success
                : WebhookAttempt.Retry(string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode}"));
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            return WebhookAttempt.Retry(string.Create(CultureInfo.InvariantCulture, $"no answer within {options.Value.TimeoutMs} ms (WEBHOOK_TIMEOUT_MS)"));
        }
        catch (HttpRequestException ex) when (Find<WebhookAddressRefusedException>(ex) is { } refused)
        {
            return WebhookAttempt.Refused($"refused: {refused.Message} Set WEBHOOK_ALLOW_PRIVATE_NETWORKS=true only on closed networks.");
        }
        catch (HttpRequestException ex)
        {
            var socket = Find<SocketException>(ex);
            return WebhookAttempt.Retry(socket is not null ? $"connection failed ({socket.SocketErrorCode})" : $"request failed ({ex.HttpRequestError})");
        }
    }

    private static T? Find<T>(Exception? ex) where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is T found)
            {
                return found;
            }
        }
        return null;
    }
}
