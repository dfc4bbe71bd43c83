namespace Delineate.Client;

public static class JobStatusExtensions
{
    /// <summary>True for completed, failed and cancelled: the job will not change again.</summary>
    public static bool IsTerminal(this JobStatus status) => status is JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled;

    /// <summary>True for the events that end a job's stream.</summary>
    public static bool IsTerminal(this JobEventType type) => type is JobEventType.Completed or JobEventType.Failed or JobEventType.Cancelled;

    /// <summary>The event type that reports a finished job of this status.</summary>
    public static JobEventType TerminalEventType(this JobStatus status) => status switch
    {
        JobStatus.Completed => JobEventType.Completed,
        JobStatus.Failed => JobEventType.Failed,
        JobStatus.Cancelled => JobEventType.Cancelled,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Only a finished job has a terminal event."),
    };

    /// <summary>The name the API uses (lower case).</summary>
    public static string ToApiName(this JobStatus status) => status.ToString().ToLowerInvariant();
}
