using StackExchange.Redis;

namespace Delineate.Grains.Intake;

/// <summary>Redis failures that pass: the connection is down or the server is still loading its data.</summary>
public static class RedisErrors
{
    private static readonly string[] TransientPrefixes = ["LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY", "CLUSTERDOWN"];

    public static bool IsTransient(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException => true,
        RedisServerException server => TransientPrefixes.Any(p => server.Message.StartsWith(p, StringComparison.Ordinal)),
        TimeoutException or IOException or System.Net.Sockets.SocketException => true,
        _ => false,
    };
}
