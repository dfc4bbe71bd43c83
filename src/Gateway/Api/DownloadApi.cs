using System.Diagnostics;
using System.Text.Json;
using Delineate.Abstractions;
using Delineate.Gateway.Hosting;
using Delineate.Gateway.Progress;
using Delineate.Grains.Intake;
using Delineate.Grains.Options;
using Delineate.Grains.Storage;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Delineate.Gateway.Api;

/// <summary>The job API: initiate, status, live progress, download, list, and the old service's calls (cancel, retry and purge: <see cref="OperatorApi"/>).</summary>
public static class DownloadApi
{
    public const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>The job API's route group; every route under it needs an owner (a key in apikey mode).</summary>
    public const string Prefix = "/v1/download";

    public static IEndpointRouteBuilder MapDownloadApi(this IEndpointRouteBuilder endpoints)
    {
        var api = endpoints.MapGroup(Prefix)
            .AddEndpointFilter<Owner.Filter>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithTags("download");

        api.MapPost("/initiate", InitiateAsync)
            .Accepts<InitiateRequestBody>("application/json")
            .Produces<InitiateResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Start a download job for a set of file ids");
        api.MapGet("/status/{jobId:" + JobIdRouteConstraint.Name + "}", GetStatusAsync)
            .Produces<StatusJson>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("A job's status, for polling");
        api.MapGet("/subscribe/{jobId:" + JobIdRouteConstraint.Name + "}", SubscribeAsync)
            .Produces(StatusCodes.Status101SwitchingProtocols)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("WebSocket: a snapshot, progress events, the terminal event, a normal close")
            .WithDescription("Each text message is one ProgressEventJson. `?after=SEQ` resumes without repeats.");
        api.MapGet("/events/{jobId:" + JobIdRouteConstraint.Name + "}", EventsAsync)
            .Produces<ProgressEventJson>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Server-Sent Events: the same events as the WebSocket; `id:` is the seq, Last-Event-ID resumes");
        api.MapGet("/{jobId:" + JobIdRouteConstraint.Name + "}", DownloadAsync)
            .Produces(StatusCodes.Status302Found)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .WithSummary("Redirect to the finished job's archive");
        api.MapGet("/jobs", ListAsync)
            .Produces<JobListJson>()
            .ProducesValidationProblem()
            .WithSummary("The caller's jobs, newest first");
        api.MapPost("/check", CheckAsync)
            .Accepts<FileRequestBody>("application/json")
            .Produces<CheckResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Whether one file is available (the old service's call); ?sentry_test=true raises a test error when SENTRY_TEST_ENABLED=true");
        api.MapPost("/start", StartAsync)
            .Accepts<FileRequestBody>("application/json")
            .Produces<StartResponse>()
            .Produces<InitiateResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("The old synchronous call: waits up to REQUEST_TIMEOUT_MS for a one-file job");
        return endpoints;
    }

    public static async Task<IResult> InitiateAsync(HttpContext context, IClusterClient cluster, JobIntake intake, JobCreationLimiter creations,
        IOptions<GatewayOptions> options, IOptions<WebhookOptions> webhooks)
    {
        var (body, problem) = await ReadBodyAsync(context, root => InitiateRequestParser.ParseInitiate(root, webhooks.Value));
        if (body is null)
        {
            return problem!;
        }
        var idempotencyKey = context.Request.Headers[IdempotencyHeader].ToString();
        if (idempotencyKey.Length > 0 && !JobLookup.IsSaneKey(idempotencyKey))
        {
            return Problems.Field(IdempotencyHeader, "Must be 1 to 255 printable ASCII characters.", "Invalid header");
        }
        if (creations.TryCreate(context) is { } overLimit)
        {
            return overLimit;
        }
        var request = body.ToRequest(Owner.Of(context), Activity.Current?.Id, context.Request);
        var limits = options.Value.AdmissionLimits;
        // The 202 waits for one thing: the job's record durably stored (group-committed with other accepts).
        var outcome = idempotencyKey.Length > 0
            ? await intake.AcceptAsync(JobIds.New(), request, limits, idempotencyKey, body.Hash())
            : await intake.AcceptAsync(JobIds.New(), request, limits);
        switch (outcome.Status)
        {
            case AcceptStatus.OverCap:
                return Problems.TooManyActiveJobs(context, limits.MaxActivePerOwner);
            case AcceptStatus.OverClusterCap:
                return Problems.TooManyJobsInCluster(context);
            case AcceptStatus.BodyMismatch:
                return Problems.Of(StatusCodes.Status422UnprocessableEntity, "Idempotency key reused",
                    $"The {IdempotencyHeader} was already used with a different body.");
            case AcceptStatus.Existing:
                var existing = await cluster.GetGrain<IDownloadJobGrain>(outcome.JobId).GetHeader();
                return Accepted(outcome.JobId, existing?.Status ?? JobStatus.Queued, body.FileIds.Count);
            default:
                return Accepted(outcome.JobId, JobStatus.Queued, body.FileIds.Count);
        }
    }

    private static IResult Accepted(Guid jobId, JobStatus status, int fileCount)
    {
        var urls = JobUrls.For(jobId);
        return TypedResults.Accepted(urls.Status, new InitiateResponse(jobId, status, fileCount, urls.Status, urls.Subscribe, urls.Events));
    }

    public static async Task<IResult> GetStatusAsync(string jobId, HttpContext context, IClusterClient cluster)
    {
        if (!JobIds.TryParse(jobId, out var id))
        {
            return JobLookup.InvalidJobId();
        }
        var snapshot = await cluster.GetGrain<IDownloadJobGrain>(id).GetStatus();
        // Another owner's job is indistinguishable from a missing one.
        return snapshot is null || snapshot.Owner != Owner.Of(context) ? Problems.JobNotFound() : TypedResults.Ok(snapshot.ToJson(context.Request));
    }

    public static async Task<IResult> SubscribeAsync(string jobId, string? after, HttpContext context, IClusterClient cluster, JobEventRelay relay,
        StreamLimiter streams, IOptions<GatewayOptions> options, IOptions<JsonOptions> json)
    {
        var (header, problem) = await JobLookup.FindAsync(jobId, context, cluster);
        if (header is null)
        {
            return problem!;
        }
        if (!TryParseSeq(after, out var afterSeq) || afterSeq > header.Seq)
        {
            return Problems.Field("after", $"Must be a sequence number from 0 to the job's last, {header.Seq}.");
        }
        if (!context.WebSockets.IsWebSocketRequest)
        {
            return Problems.Of(StatusCodes.Status400BadRequest, "WebSocket required", "Connect with a WebSocket upgrade request, or use the events URL for Server-Sent Events.");
        }
        var (lease, overLimit) = streams.TryOpen(context);
        if (lease is null)
        {
            return overLimit!;
        }
        using var held = lease;
        // A browser that offered the page's subprotocol fails the handshake unless it is selected.
        var subProtocol = context.WebSockets.WebSocketRequestedProtocols.Contains(Owner.WebSocketProtocol) ? Owner.WebSocketProtocol : null;
        using var socket = await context.WebSockets.AcceptWebSocketAsync(subProtocol);
        using var sink = new WebSocketSink(socket, context, json.Value.SerializerOptions, options.Value.StreamSendTimeout);
        await relay.RelayAsync(sink, header.JobId, afterSeq);
        return Results.Empty;
    }

    public static async Task<IResult> EventsAsync(string jobId, string? after, HttpContext context, IClusterClient cluster, JobEventRelay relay,
        StreamLimiter streams, IOptions<GatewayOptions> options, IOptions<JsonOptions> json)
    {
        var (header, problem) = await JobLookup.FindAsync(jobId, context, cluster);
        if (header is null)
        {
            return problem!;
        }
        var lastEventId = context.Request.Headers["Last-Event-ID"].ToString();
        if (!TryParseSeq(lastEventId.Length > 0 ? lastEventId : after, out var afterSeq) || afterSeq > header.Seq)
        {
            return Problems.Field(lastEventId.Length > 0 ? "Last-Event-ID" : "after", $"Must be a sequence number from 0 to the job's last, {header.Seq}.");
        }
        var (lease, overLimit) = streams.TryOpen(context);
        if (lease is null)
        {
            return overLimit!;
        }
        using var held = lease;
        var sink = await ServerSentEventsSink.StartAsync(context.Response, json.Value.SerializerOptions, options.Value.StreamSendTimeout);
        await relay.RelayAsync(sink, header.JobId, afterSeq);
        return Results.Empty;
    }

    public static async Task<IResult> DownloadAsync(string jobId, HttpContext context, IClusterClient cluster)
    {
        var (header, problem) = await JobLookup.FindAsync(jobId, context, cluster);
        if (header is null)
        {
            return problem!;
        }
        if (!header.Status.IsTerminal())
        {
            return Problems.Of(StatusCodes.Status409Conflict, "Not finished", $"The job is {JobLookup.Lower(header.Status)} ({header.Percent}%).");
        }
        // Only a finished job's links are signed.
        var snapshot = await cluster.GetGrain<IDownloadJobGrain>(header.JobId).GetStatus();
        if (snapshot?.ToJson(context.Request).Result?.ArchiveUrl is { } archive)
        {
            return TypedResults.Redirect(archive);
        }
        return Problems.Of(StatusCodes.Status409Conflict, "No archive", $"The job is {JobLookup.Lower(header.Status)} and has no archive.");
    }

    public static async Task<IResult> ListAsync(string? status, string? limit, string? cursor, HttpContext context, IJobStore store)
    {
        JobStatus? filter = null;
        if (!string.IsNullOrEmpty(status))
        {
            // Exact names only: Enum.TryParse would also take numbers and comma lists (flags).
            var name = Enum.GetNames<JobStatus>().FirstOrDefault(n => n.Equals(status, StringComparison.OrdinalIgnoreCase));
            if (name is null)
            {
                return Problems.Field("status", "Must be queued, processing, completed, failed or cancelled.");
            }
            filter = Enum.Parse<JobStatus>(name);
        }
        var pageSize = 20;
        if (!string.IsNullOrEmpty(limit) && !(int.TryParse(limit, out pageSize) && pageSize is >= 1 and <= 100))
        {
            return Problems.Field("limit", "Must be an integer from 1 to 100.");
        }
        Guid? after = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            if (!JobIds.TryParse(cursor, out var parsedCursor))
            {
                return Problems.Field("cursor", "Must be the nextCursor of a previous page.");
            }
            after = parsedCursor;
        }
        var page = await store.ListAsync(Owner.Of(context), filter, pageSize, after);
        return TypedResults.Ok(new JobListJson(
            page.Jobs.Select(j => new JobListItemJson(j.JobId, j.Status, j.FilesTotal, j.CreatedAt, j.UpdatedAt, JobUrls.For(j.JobId).Status)).ToList(),
            page.NextCursor,
            page.Total));
    }

    public static async Task<IResult> CheckAsync(HttpContext context, IFileSource source, IOptions<GatewayOptions> options, string? sentry_test)
    {
        var (fileId, problem) = await ReadFileIdAsync(context);
        if (fileId is not { } id)
        {
            return problem!;
        }
        // Off by default: otherwise any caller could raise 500s and Sentry events at will.
        if (options.Value.SentryTestEnabled && string.Equals(sentry_test, "true", StringComparison.OrdinalIgnoreCase))
        {
            // Deliberate, as in the old service: proves error reporting end to end.
            throw new SentryTestException($"Sentry test error for file_id={id}");
        }
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
            timeout.CancelAfter(TimeSpan.FromSeconds(10));
            var file = await source.LookupAsync(id, timeout.Token);
            return TypedResults.Ok(new CheckResponse(id, file is not null, file?.Key, file?.Size));
        }
        catch (Exception ex) when (TransientErrors.IsTransient(ex) || ex is OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
        {
            return Problems.Of(StatusCodes.Status503ServiceUnavailable, "Storage unavailable", "The file source did not answer; try again.");
        }
    }

    public static async Task<IResult> StartAsync(HttpContext context, IClusterClient cluster, JobIntake intake, JobCreationLimiter creations, IOptions<GatewayOptions> options, TimeProvider time)
    {
        var started = time.GetTimestamp();
        var (fileId, problem) = await ReadFileIdAsync(context);
        if (fileId is not { } id)
        {
            return problem!;
        }
        if (creations.TryCreate(context) is { } overLimit)
        {
            return overLimit;
        }
        var request = new InitiateJobRequest { FileIds = [id], Owner = Owner.Of(context), TraceParent = Activity.Current?.Id };
        var outcome = await intake.AcceptAsync(JobIds.New(), request, options.Value.AdmissionLimits);
        if (outcome.Status == AcceptStatus.OverClusterCap)
        {
            return Problems.TooManyJobsInCluster(context);
        }
        if (outcome.Status != AcceptStatus.Created)
        {
            return Problems.TooManyActiveJobs(context, options.Value.MaxActiveJobsPerOwner);
        }
        var snapshot = await cluster.GetGrain<IDownloadJobGrain>(outcome.JobId).GetStatus()
            ?? throw new InvalidOperationException($"Job {outcome.JobId} was stored but does not read back.");
        var grain = cluster.GetGrain<IDownloadJobGrain>(snapshot.JobId);
        var deadline = options.Value.RequestTimeout;
        // Polling the grain keeps this independent of stream delivery; 100 ms is well inside the old timeout.
        while (!snapshot.Progress.Status.IsTerminal() && time.GetElapsedTime(started) < deadline)
        {
            var wait = deadline - time.GetElapsedTime(started);
            await Task.Delay(wait < TimeSpan.FromMilliseconds(100) ? wait : TimeSpan.FromMilliseconds(100), time, context.RequestAborted);
            snapshot = await grain.GetStatus() ?? snapshot;
        }
        if (!snapshot.Progress.Status.IsTerminal())
        {
            var urls = JobUrls.For(snapshot.JobId);
            return TypedResults.Accepted(urls.Status,
                new InitiateResponse(snapshot.JobId, snapshot.Progress.Status, 1, urls.Status, urls.Subscribe, urls.Events));
        }
        var file = snapshot.ToJson(context.Request).Files[0];
        var ready = file.Status == FileStatus.Ready;
        return TypedResults.Ok(new StartResponse(
            id,
            ready ? "completed" : "failed",
            file.Url,
            file.Size,
            (long)time.GetElapsedTime(started).TotalMilliseconds,
            ready ? "Download ready" : file.Status == FileStatus.Missing ? "File not found" : file.Error ?? "Download failed"));
    }

    private static async Task<(int? FileId, IResult? Problem)> ReadFileIdAsync(HttpContext context)
    {
        var (fileId, problem) = await ReadBodyAsync(context, root =>
        {
            var (id, errors) = InitiateRequestParser.ParseSingle(root);
            return (id is { } value ? new[] { value } : null, errors);
        });
        return (fileId?[0], problem);
    }

    /// <summary>Reads and validates a JSON body; the problem to answer when it is not acceptable.</summary>
    private static async Task<(T? Value, IResult? Problem)> ReadBodyAsync<T>(
        HttpContext context, Func<JsonElement, (T? Value, Dictionary<string, string[]> Errors)> parse) where T : class
    {
        var (document, problem) = await JsonBody.ReadAsync(context);
        if (document is null)
        {
            return (null, problem);
        }
        using (document)
        {
            var (value, errors) = parse(document.RootElement);
            return value is null ? (null, TypedResults.ValidationProblem(errors, title: "Invalid request")) : (value, null);
        }
    }

    private static bool TryParseSeq(string? text, out long? seq)
    {
        seq = null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }
        if (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value))
        {
            seq = value;
            return true;
        }
        return false;
    }

}
