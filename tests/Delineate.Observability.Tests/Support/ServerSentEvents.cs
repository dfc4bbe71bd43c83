namespace Delineate.Observability.Tests.Support;

/// <summary>Reads a Server-Sent Events response to its end: the <c>data:</c> of each event, parsed as JSON.</summary>
public static class ServerSentEvents
{
    public static async Task<IReadOnlyList<JsonElement>> CollectUntilEndAsync(HttpClient http, Uri uri, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.ParseAdd("text/event-stream");
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"GET {uri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(deadline.Token)}");
        }
        var events = new List<JsonElement>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(deadline.Token));
        try
        {
            while (await reader.ReadLineAsync(deadline.Token) is { } line)
            {
                if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    using var document = JsonDocument.Parse(line[5..].Trim());
                    events.Add(document.RootElement.Clone());
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw new TimeoutException($"{uri} did not end within {timeout.TotalSeconds:F0} s; {events.Count} events so far");
        }
        return events;
    }
}
