namespace Delineate.Drills.Tests.Load;

/// <summary>
/// Checks one job's events as a follower receives them, across reconnects: seq strictly increasing,
/// progress never going back, the job id right, and no file's result recorded twice.
/// </summary>
public sealed class EventStreamChecker(JobRecord job, string transport)
{
    private readonly Dictionary<long, int> _fileResults = [];
    private string? _previousType;
    private bool _firstOnConnection = true;

    public long? LastSeq { get; private set; }

    public int LastProgress { get; private set; } = -1;

    public int Events { get; private set; }

    public bool SawTerminal { get; private set; }

    public string? TerminalType { get; private set; }

    /// <summary>
    /// Terminal events that carried the seq of the event before them: the relay sends a finished
    /// job's snapshot and then its terminal event with the same seq. Allowed, but counted.
    /// </summary>
    public int TerminalAtSameSeq { get; private set; }

    /// <summary>Call when a new connection opens: its first event may repeat the last seq once (see above).</summary>
    public void NewConnection() => _firstOnConnection = true;

    /// <summary>Checks one event; returns true when it is the terminal event.</summary>
    public bool OnEvent(JsonElement e)
    {
        Events++;
        var type = e.OptionalField("type")?.GetString() ?? "?";
        var seq = e.OptionalField("seq") is { ValueKind: JsonValueKind.Number } s ? s.GetInt64() : -1;
        var progress = e.OptionalField("progress") is { ValueKind: JsonValueKind.Number } p ? p.GetInt32() : -1;
        var jobId = e.OptionalField("jobId")?.GetString();
        if (jobId != job.JobId)
        {
            job.Violation($"{transport}: event for job {jobId} on the stream of {job.JobId}: {e.GetRawText()}");
        }

        if (SawTerminal)
        {
            job.Violation($"{transport}: event after the terminal event: {e.GetRawText()}");
        }

        var isTerminal = type is JobStatuses.Completed or JobStatuses.Failed or JobStatuses.Cancelled;
        if (LastSeq is { } same && seq == same && isTerminal && (_previousType == "snapshot" || _firstOnConnection))
        {
            TerminalAtSameSeq++;
        }
        else if (LastSeq is { } last && seq <= last)
        {
            job.Violation($"{transport}: seq {seq} ({type}) after seq {last}: not strictly increasing");
        }

        if (progress < LastProgress)
        {
            job.Violation($"{transport}: progress went back from {LastProgress} to {progress} at seq {seq} ({type})");
        }

        _previousType = type;
        _firstOnConnection = false;
        LastSeq = Math.Max(LastSeq ?? seq, seq);
        LastProgress = Math.Max(LastProgress, progress);

        if (e.OptionalField("file") is { ValueKind: JsonValueKind.Object } file
            && file.OptionalField("status")?.GetString() is "ready" or "missing" or "failed"
            && file.OptionalField("file_id") is { ValueKind: JsonValueKind.Number } id)
        {
            var fileId = id.GetInt64();
            var count = _fileResults[fileId] = _fileResults.GetValueOrDefault(fileId) + 1;
            if (count > 1)
            {
                job.Violation($"{transport}: file {fileId} recorded {count} times (seq {seq}: {file.GetRawText()})");
            }
        }

        if (isTerminal)
        {
            SawTerminal = true;
            TerminalType = type;
            return true;
        }

        return false;
    }
}
