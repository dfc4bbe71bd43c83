namespace Delineate.Drills.Tests.Faults;

/// <summary>A fault as it happened: what, to which process, when it began and when the target was back.</summary>
public sealed record FaultRecord
{
    public required FaultKind Kind { get; init; }
    public required string Target { get; init; }
    public required DateTimeOffset Began { get; init; }

    /// <summary>When the target was running again (null: never restarted, or restart failed).</summary>
    public DateTimeOffset? Recovered { get; init; }

    /// <summary>Seconds from the start of the load.</summary>
    public double AtSecond { get; init; }

    public double DownSeconds => Recovered is { } r ? Math.Round((r - Began).TotalSeconds, 1) : double.NaN;

    /// <summary>For stops: whether the process exited by itself after SIGTERM, and how long that took.</summary>
    public bool? ExitedGracefully { get; init; }
    public double? SecondsToExit { get; init; }
    public int? ExitCode { get; init; }

    /// <summary>Jobs that were unfinished when the fault began.</summary>
    public int UnfinishedJobsAtStart { get; init; }

    public string? Detail { get; init; }

    public string? Error { get; init; }
}
