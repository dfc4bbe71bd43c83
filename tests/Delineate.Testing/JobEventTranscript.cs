using System.Net.WebSockets;

namespace Delineate.Testing;

/// <summary>What a WebSocket subscriber received: every text message parsed as JSON, and how the socket closed.</summary>
public sealed record JobEventTranscript(
    IReadOnlyList<JsonElement> Messages,
    WebSocketCloseStatus? CloseStatus,
    string? CloseDescription)
{
    public override string ToString() =>
        $"close: {CloseStatus?.ToString() ?? "none"} {CloseDescription}\n" +
        string.Join('\n', Messages.Select(m => m.GetRawText()));
}
