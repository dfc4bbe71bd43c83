using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Delineate.Client;

/// <summary>
/// A client of the Delineate gateway's download API. Error answers are thrown as
/// <see cref="DelineateProblemException"/>, an unreachable server as <see cref="DelineateConnectionException"/>.
/// The client sends the owner (<c>X-API-Key</c> or <c>X-User-Id</c>) to the gateway only, never to an archive's presigned URL.
/// </summary>
public sealed class DelineateClient : IDisposable
{
    public const string DefaultServer = "http://127.0.0.1:3000";
    private const string Prefix = "v1/download/";

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;

    /// <summary>A client with its own connection pool; it does not follow redirects by itself.</summary>
    public DelineateClient(DelineateClientOptions? options = null)
        : this(new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        }, options ?? new DelineateClientOptions(), ownsHttp: true)
    {
    }

    /// <summary>A client over <paramref name="http"/> (which it does not dispose); its handler should not follow redirects.</summary>
    public DelineateClient(HttpClient http, DelineateClientOptions options)
        : this(http, options, ownsHttp: false)
    {
    }

    private DelineateClient(HttpClient http, DelineateClientOptions options, bool ownsHttp)
    {
        if (!options.BaseAddress.IsAbsoluteUri || options.BaseAddress.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException($"The server address must be an absolute http or https URL, not '{options.BaseAddress}'.", nameof(options));
        }
        _http = http;
        _ownsHttp = ownsHttp;
        Options = options;
        // Relative paths resolve under the base address, also when it has a path of its own.
        BaseAddress = options.BaseAddress.AbsoluteUri.EndsWith('/') ? options.BaseAddress : new Uri(options.BaseAddress.AbsoluteUri + "/");
    }

    public DelineateClientOptions Options { get; }

    public Uri BaseAddress { get; }

    /// <summary>Starts a job for <paramref name="fileIds"/> (<c>POST /v1/download/initiate</c>).</summary>
    public async Task<JobAccepted> InitiateAsync(IEnumerable<int> fileIds, InitiateOptions? options = null, CancellationToken cancellationToken = default)
    {
        var body = new Dictionary<string, object> { ["file_ids"] = fileIds.ToArray() };
        if (options?.CallbackUrl is { } callback)
        {
            body["callback_url"] = callback.AbsoluteUri;
        }
        using var request = Request(HttpMethod.Post, Prefix + "initiate");
        request.Content = JsonContent.Create(body, options: DelineateJson.Options);
        if (options?.IdempotencyKey is { Length: > 0 } key)
        {
            request.Headers.Add("Idempotency-Key", key);
        }
        return await SendForJsonAsync<JobAccepted>(request, cancellationToken);
    }

    /// <summary>The job's status (<c>GET /v1/download/status/{jobId}</c>).</summary>
    public async Task<JobState> GetStatusAsync(Guid jobId, CancellationToken cancellationToken = default)
    {
        using var request = Request(HttpMethod.Get, $"{Prefix}status/{jobId}");
        return await SendForJsonAsync<JobState>(request, cancellationToken);
    }

    /// <summary>A page of the caller's jobs, newest first (<c>GET /v1/download/jobs</c>).</summary>
    public async Task<JobPage> ListAsync(JobStatus? status = null, int? limit = null, Guid? cursor = null, CancellationToken cancellationToken = default)
    {
        var query = new List<string>();
        if (status is { } s)
        {
            query.Add("status=" + s.ToApiName());
        }
        if (limit is { } l)
        {
            query.Add("limit=" + l.ToString(CultureInfo.InvariantCulture));
        }
        if (cursor is { } c)
        {
            query.Add("cursor=" + c);
        }
        using var request = Request(HttpMethod.Get, Prefix + "jobs" + (query.Count > 0 ? "?" + string.Join('&', query) : ""));
        return await SendForJsonAsync<JobPage>(request, cancellationToken);
    }

    /// <summary>Every job of the caller, newest first, page after page.</summary>
    public async IAsyncEnumerable<JobSummary> ListAllAsync(JobStatus? status = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Guid? cursor = null;
        do
        {
            var page = await ListAsync(status, 100, cursor, cancellationToken);
            foreach (var job in page.Jobs)
            {
                yield return job;
            }
            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }

    /// <summary>Cancels an unfinished job (<c>DELETE /v1/download/{jobId}</c>); a finished one is a 409 problem.</summary>
    public async Task<JobState> CancelAsync(Guid jobId, CancellationToken cancellationToken = default)
    {
        using var request = Request(HttpMethod.Delete, $"{Prefix}{jobId}");
        return await SendForJsonAsync<JobState>(request, cancellationToken);
    }

    /// <summary>
    /// Runs a failed (or completed-with-failures) job again for its failed files (<c>POST /v1/download/{jobId}/retry</c>);
    /// a running job is a 409 problem. Returns the job's status after the service accepted the retry.
    /// </summary>
    public async Task<JobState> RetryAsync(Guid jobId, CancellationToken cancellationToken = default)
    {
        using (var request = Request(HttpMethod.Post, $"{Prefix}{jobId}/retry"))
        {
            using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            await EnsureSuccessAsync(response, cancellationToken);
        }
        return await GetStatusAsync(jobId, cancellationToken);
    }

    /// <summary>Deletes a finished job's state and archive now (<c>DELETE /v1/download/{jobId}?purge=true</c>).</summary>
    public async Task PurgeAsync(Guid jobId, CancellationToken cancellationToken = default)
    {
        using var request = Request(HttpMethod.Delete, $"{Prefix}{jobId}?purge=true");
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
    }

    /// <summary>The finished job's archive link (the <c>302</c> of <c>GET /v1/download/{jobId}</c>); an unfinished job is a 409 problem.</summary>
    public async Task<Uri> GetArchiveUrlAsync(Guid jobId, CancellationToken cancellationToken = default)
    {
        using var request = Request(HttpMethod.Get, $"{Prefix}{jobId}");
        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location)
        {
            return location.IsAbsoluteUri ? location : new Uri(BaseAddress, location);
        }
        await EnsureSuccessAsync(response, cancellationToken);
        // A handler that follows redirects itself already went there.
        return response.RequestMessage?.RequestUri ?? throw new DelineateProblemException((int)response.StatusCode, "No archive link in the answer");
    }

    /// <summary>Follows the job's archive link and copies the archive into <paramref name="destination"/>; returns its length.</summary>
    public async Task<long> DownloadAsync(Guid jobId, Stream destination, IProgress<ArchiveProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var url = await GetArchiveUrlAsync(jobId, cancellationToken);
        // Not through Request(): the presigned link is its own authority, and gets no owner header.
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        using var response = await SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        var total = response.Content.Headers.ContentLength;
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[81920];
        long received = 0;
        progress?.Report(new ArchiveProgress(0, total));
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                received += read;
                progress?.Report(new ArchiveProgress(received, total));
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            throw new DelineateConnectionException(url, $"The archive download from {url.GetLeftPart(UriPartial.Authority)} broke off after {received} bytes: {ex.Message}", ex);
        }
        if (total is { } expected && expected != received)
        {
            throw new DelineateConnectionException(url, $"The archive ended after {received} of {expected} bytes.");
        }
        return received;
    }

    /// <summary>Downloads the archive to <paramref name="path"/> (through a <c>.partial</c> file, so a broken download leaves no truncated file).</summary>
    public async Task<long> DownloadToFileAsync(Guid jobId, string path, IProgress<ArchiveProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        var full = Path.GetFullPath(path);
        var partial = full + ".partial";
        try
        {
            long length;
            await using (var file = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                length = await DownloadAsync(jobId, file, progress, cancellationToken);
            }
            File.Move(partial, full, overwrite: true);
            return length;
        }
        finally
        {
            File.Delete(partial);
        }
    }

    /// <summary>
    /// The job's progress events until its terminal event: a snapshot (or, with <see cref="WatchOptions.After"/>,
    /// only newer events), then each event once, in seq order. A dropped connection is resumed after the last
    /// seq received, so nothing repeats; a transport that does not work here falls back WebSocket → SSE → polling.
    /// </summary>
    public IAsyncEnumerable<JobEvent> WatchAsync(Guid jobId, WatchOptions? options = null, CancellationToken cancellationToken = default) =>
        new JobEventWatcher(this, jobId, options ?? new WatchOptions()).WatchAsync(cancellationToken);

    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    internal HttpClient Http => _http;

    /// <summary>A request to the gateway, with the owner headers.</summary>
    internal HttpRequestMessage Request(HttpMethod method, string relative)
    {
        var request = new HttpRequestMessage(method, new Uri(BaseAddress, relative));
        foreach (var (name, value) in OwnerHeaders())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return request;
    }

    internal IEnumerable<(string Name, string Value)> OwnerHeaders()
    {
        if (Options.ApiKey is { Length: > 0 } key)
        {
            yield return ("X-API-Key", key);
        }
        if (Options.UserId is { Length: > 0 } user)
        {
            yield return ("X-User-Id", user);
        }
    }

    /// <summary>Sends with the request timeout (for the answer's headers, or all of it); transport failures become <see cref="DelineateConnectionException"/>.</summary>
    internal async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var limit = timeout ?? Options.RequestTimeout;
        deadline.CancelAfter(limit);
        var target = request.RequestUri!;
        try
        {
            return await _http.SendAsync(request, completion, deadline.Token);
        }
        catch (HttpRequestException ex)
        {
            throw new DelineateConnectionException(target, $"Cannot reach {target.GetLeftPart(UriPartial.Authority)}: {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DelineateConnectionException(target, $"{target.GetLeftPart(UriPartial.Authority)} did not answer within {limit.TotalSeconds:0.#} s.", ex);
        }
    }

    internal async Task<T> SendForJsonAsync<T>(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        // ResponseContentRead: the request timeout covers the body too.
        using var response = await SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(DelineateJson.Options, cancellationToken)
                ?? throw new DelineateProblemException((int)response.StatusCode, "Empty answer", $"{request.Method} {request.RequestUri} answered null.");
        }
        catch (JsonException ex)
        {
            throw new DelineateProblemException((int)response.StatusCode, "Unreadable answer", $"{request.Method} {request.RequestUri?.AbsolutePath}: {ex.Message}");
        }
    }

    internal static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await DelineateProblemException.FromResponseAsync(response, cancellationToken);
        }
    }

    /// <summary>The WebSocket address of a gateway path.</summary>
    internal Uri WebSocketUri(string relative)
    {
        var builder = new UriBuilder(new Uri(BaseAddress, relative)) { Scheme = BaseAddress.Scheme == "https" ? "wss" : "ws" };
        return builder.Uri;
    }

    internal static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status >= 500;
}
