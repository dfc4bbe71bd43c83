namespace Delineate.Drills.Tests.Cluster;

public enum ServiceKind
{
    Silo,
    Gateway,
}
