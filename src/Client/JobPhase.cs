namespace Delineate.Client;

/// <summary>What a running job is doing now.</summary>
public enum JobPhase
{
    Queued,
    Fetching,
    Bundling,
    Finished,
}
