namespace Delineate.Abstractions;

public static class JobStatusExtensions
{
    public static bool IsTerminal(this JobStatus status) =>
        status is JobStatus.Completed or JobStatus.Failed or JobStatus.Cancelled;

    public static JobEventType TerminalEventType(this JobStatus status) => status switch
    {
        JobStatus.Completed => JobEventType.Completed,
        JobStatus.Failed => JobEventType.Failed,
        JobStatus.Cancelled => JobEventType.Cancelled,
        _ => JobEventType.Progress,
    };
}
