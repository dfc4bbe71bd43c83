using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Delineate.Api.Tests.Support;

/// <summary>
/// A real Kestrel webhook receiver on 127.0.0.1 (a free port): records every POST to <c>/hooks</c>
/// with its raw body and headers, and answers with the status <see cref="Answer"/> picks for it.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    /// <summary>The status code for a request, given how many came before it for the same job (0 for the first).</summary>
    public Func<int, int> Answer { get; set; } = _ => StatusCodes.Status200OK;

    /// <summary>How long to wait before answering a request, given how many came before it for the same job.</summary>
    public Func<int, TimeSpan> Delay { get; set; } = _ => TimeSpan.Zero;

    public Uri Url { get; private set; } = null!;

    public IReadOnlyList<ReceivedWebhook> Received => _received.ToList();

    /// <summary>What was received for one job, in order.</summary>
    public IReadOnlyList<ReceivedWebhook> For(string jobId) => _received.Where(r => r.JobIdHeader == jobId).ToList();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        // A sender's pooled keep-alive connection must not hold the test's teardown for the default 30 s.
        builder.Services.Configure<Microsoft.Extensions.Hosting.HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        var counts = new ConcurrentDictionary<string, int>();
        app.MapPost("/hooks", async (HttpContext context) =>
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            var headers = context.Request.Headers;
            var index = counts.AddOrUpdate(headers["Delineate-Job-Id"].ToString(), 0, (_, n) => n + 1);
            var status = receiver.Answer(index);
            receiver._received.Enqueue(new ReceivedWebhook(
                buffer.ToArray(), headers["Delineate-Signature"].ToString(), headers["Delineate-Job-Id"].ToString(),
                headers["Delineate-Attempt"].ToString(), context.Request.ContentType, DateTimeOffset.UtcNow, status));
            if (receiver.Delay(index) is { } delay && delay > TimeSpan.Zero)
            {
                // A sender that gave up has closed the connection: the wait ends with it.
                await Task.Delay(delay, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        receiver.Url = new Uri(new Uri(address), "/hooks");
        return receiver;
    }

    /// <summary>
    /// Checks a <c>Delineate-Signature</c> as a receiver would, independently of the service's code:
    /// HMAC-SHA256 of "t.body" keyed by the secret, and t no older (or newer) than <paramref name="tolerance"/>.
    /// </summary>
    public static bool SignatureVerifies(ReceivedWebhook webhook, string secret, TimeSpan tolerance)
    {
        var parts = webhook.Signature.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToList();
        var t = parts.FirstOrDefault(p => p[0] == "t")?[1];
        if (t is null || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs((webhook.At - DateTimeOffset.FromUnixTimeSeconds(seconds)).TotalSeconds) > tolerance.TotalSeconds)
        {
            return false;
        }
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.ASCII.GetBytes(t + ".").Concat(webhook.Body).ToArray());
        return parts.Where(p => p[0] == "v1").Any(p => p[1] == Convert.ToHexString(expected).ToLowerInvariant());
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One POST the receiver got, and the status it answered.</summary>
public sealed record ReceivedWebhook(byte[] Body, string Signature, string JobIdHeader, string AttemptHeader, string? ContentType, DateTimeOffset At, int Answered)
{
    public JsonElement Json => JsonElementExtensions.ParseJson(Encoding.UTF8.GetString(Body));
}
