namespace Delineate.Client;

/// <summary>The kind of a progress event; the last three end a job's stream.</summary>
public enum JobEventType
{
    Snapshot,
    Progress,
    Completed,
    Failed,
    Cancelled,
}
