namespace Delineate.Drills.Tests.Load;

/// <summary>One WebSocket or SSE connection of a follower, and how it ended.</summary>
public sealed record ConnectionRecord(
    string Transport,
    string Gateway,
    DateTimeOffset Opened,
    DateTimeOffset Ended,
    int Messages,
    int? CloseCode,
    string End);
