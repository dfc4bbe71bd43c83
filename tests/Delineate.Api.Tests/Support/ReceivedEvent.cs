namespace Delineate.Api.Tests.Support;

/// <summary>One progress event a client received (WebSocket message or SSE <c>data:</c>), and when it arrived.</summary>
public sealed record ReceivedEvent(JsonElement Json, DateTimeOffset ArrivedAt, string? SseId = null, string? SseEvent = null)
{
    public string Type => Json.String("type");

    public long Seq => Json.Long("seq");

    public string Status => Json.String("status");

    public long Progress => Json.Long("progress");

    public DateTimeOffset At => DateTimeOffset.Parse(Json.String("at"), System.Globalization.CultureInfo.InvariantCulture);

    public bool IsTerminal => Type is "completed" or "failed" or "cancelled";

    public override string ToString() => $"{(SseId is null ? "" : $"id:{SseId} event:{SseEvent} ")}{Json.GetRawText()}";

    public static ReceivedEvent Parse(string text, string? sseId = null, string? sseEvent = null) =>
        new(JsonElementExtensions.ParseJson(text), DateTimeOffset.UtcNow, sseId, sseEvent);
}
