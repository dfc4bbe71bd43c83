namespace Delineate.Abstractions;

/// <summary>The life of a download job. Completed, Failed and Cancelled are terminal.</summary>
public enum JobStatus
{
    Queued,
    Processing,
    Completed,
    Failed,
    Cancelled,
}
