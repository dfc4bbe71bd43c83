namespace Delineate.Hosting;

/// <summary>How a process runs: alone with in-memory providers, or as part of a Redis + S3 cluster.</summary>
public enum DelineateMode
{
    Embedded,
    Clustered,
}
