namespace Delineate.Drills.Tests.Load;

public enum FollowMode
{
    WebSocket,
    ServerSentEvents,
    Poll,
}
