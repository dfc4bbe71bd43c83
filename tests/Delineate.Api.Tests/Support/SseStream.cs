using System.Net;
using System.Text;

namespace Delineate.Api.Tests.Support;

/// <summary>A Server-Sent Events client of <c>/v1/download/events/{jobId}</c>.</summary>
public sealed class SseStream : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;
    private readonly List<ReceivedEvent> _events = [];
    private readonly List<string> _comments = [];
    private readonly string _path;

    private SseStream(HttpResponseMessage response, StreamReader reader, string path)
    {
        _response = response;
        _reader = reader;
        _path = path;
    }

    public IReadOnlyList<ReceivedEvent> Events => _events;

    public IReadOnlyList<string> Comments => _comments;

    public bool Ended { get; private set; }

    public HttpResponseMessage Response => _response;

    public string Transcript => $"SSE {_path} (ended: {Ended})\n{EventStreamAssert.Describe(_events)}";

    /// <summary>Opens the stream; asserts 200 and <c>text/event-stream</c>.</summary>
    public static async Task<SseStream> OpenAsync(HttpClient client, string jobId, string? lastEventId = null, string? query = null)
    {
        var path = $"/v1/download/events/{jobId}{(query is null ? "" : "?" + query)}";
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var text = await response.Content.ReadAsStringAsync();
            response.Dispose();
            throw new InvalidOperationException($"GET {path} answered {(int)response.StatusCode}: {text}");
        }

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync(), Encoding.UTF8);
        return new SseStream(response, reader, path);
    }

    /// <summary>The next event, or null when the server ended the stream.</summary>
    public async Task<ReceivedEvent?> ReadEventAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        string? id = null;
        string? type = null;
        var data = new StringBuilder();
        try
        {
            while (true)
            {
                var line = await _reader.ReadLineAsync(deadline.Token);
                if (line is null)
                {
                    Ended = true;
                    return null;
                }

                if (line.Length == 0)
                {
                    if (data.Length == 0)
                    {
                        continue;
                    }

                    var e = ReceivedEvent.Parse(data.ToString(), id, type);
                    _events.Add(e);
                    return e;
                }

                if (line.StartsWith(':'))
                {
                    _comments.Add(line);
                    continue;
                }

                var colon = line.IndexOf(':');
                var field = colon < 0 ? line : line[..colon];
                var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
                switch (field)
                {
                    case "id":
                        id = value;
                        break;
                    case "event":
                        type = value;
                        break;
                    case "data":
                        if (data.Length > 0)
                        {
                            data.Append('\n');
                        }

                        data.Append(value);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"No SSE event within {timeout.TotalSeconds:F0} s.\n{Transcript}");
        }
    }

    /// <summary>Reads until the server ends the stream; returns every event.</summary>
    public async Task<IReadOnlyList<ReceivedEvent>> ReadToEndAsync(TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (await ReadEventAsync(Left(timeout, clock)) is not null)
        {
        }

        return _events;
    }

    /// <summary>Reads until an event matches <paramref name="condition"/>; returns it.</summary>
    public async Task<ReceivedEvent> ReadUntilAsync(Func<ReceivedEvent, bool> condition, TimeSpan timeout, string what)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var e = await ReadEventAsync(Left(timeout, clock))
                ?? throw new InvalidOperationException($"The stream ended before {what}.\n{Transcript}");
            if (condition(e))
            {
                return e;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }

    private static TimeSpan Left(TimeSpan timeout, System.Diagnostics.Stopwatch clock)
    {
        var left = timeout - clock.Elapsed;
        return left > TimeSpan.FromMilliseconds(1) ? left : TimeSpan.FromMilliseconds(1);
    }
}
