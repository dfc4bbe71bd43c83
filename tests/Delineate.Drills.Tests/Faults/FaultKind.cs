namespace Delineate.Drills.Tests.Faults;

public enum FaultKind
{
    /// <summary>kill -9 of a random silo, restarted after the duration.</summary>
    SiloKill,

    /// <summary>SIGTERM of a random silo (its grains hand over), restarted after the duration.</summary>
    SiloTerm,

    /// <summary>kill -9 of a gateway while clients follow jobs through it, restarted after the duration.</summary>
    GatewayKill,

    /// <summary>SIGTERM of a gateway: its WebSocket clients should get 1001 and resume elsewhere.</summary>
    GatewayTerm,

    /// <summary>redis-server stopped (SIGTERM) and started again on the same data after the duration.</summary>
    RedisRestart,

    /// <summary>s3rver stopped and started again on the same data after the duration.</summary>
    S3Outage,
}
