namespace Delineate.Client;

/// <summary>The life of a job. <see cref="Completed"/>, <see cref="Failed"/> and <see cref="Cancelled"/> are terminal.</summary>
public enum JobStatus
{
    Queued,
    Processing,
    Completed,
    Failed,
    Cancelled,
}
