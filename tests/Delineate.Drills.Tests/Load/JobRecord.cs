using System.Collections.Concurrent;

namespace Delineate.Drills.Tests.Load;

/// <summary>Everything the drill saw of one job: how it was started, followed, and how it ended.</summary>
public sealed class JobRecord(int index, IReadOnlyList<int> fileIds, string owner, FollowMode follow)
{
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly ConcurrentQueue<ConnectionRecord> _connections = new();
    private readonly Lock _gate = new();
    private JsonElement? _lastStatus;

    public int Index { get; } = index;

    /// <summary>The ids as sent (they may repeat; the service drops duplicates, keeping order).</summary>
    public IReadOnlyList<int> FileIds { get; } = fileIds;

    public IReadOnlyList<int> DistinctFileIds { get; } = fileIds.Distinct().ToList();

    public string Owner { get; } = owner;

    public FollowMode Follow { get; } = follow;

    public DateTimeOffset? InitiatedAt { get; set; }

    public InitiateOutcome? Initiate { get; set; }

    public string? JobId => Initiate?.JobId;

    public bool Accepted => JobId is not null;

    /// <summary>When a status poll first saw a terminal status.</summary>
    public DateTimeOffset? TerminalSeenAt { get; set; }

    /// <summary>404 answers to status requests for this accepted job.</summary>
    public int NotFoundAnswers;

    /// <summary>The follower saw the terminal event (WebSocket/SSE) or terminal status (poll).</summary>
    public DateTimeOffset? FollowerSawTerminalAt { get; set; }

    public bool FollowerGaveUp { get; set; }

    /// <summary>Terminal events that repeated the seq of the snapshot before them (see <see cref="EventStreamChecker"/>).</summary>
    public int TerminalAtSameSeq { get; set; }

    /// <summary>When the tracker last asked for the status.</summary>
    public DateTimeOffset LastPolledAt { get; set; }

    /// <summary>The tracker saw it unfinished past its deadline (reported once).</summary>
    public bool FlaggedStuck { get; set; }

    public bool Verified { get; set; }

    public JsonElement? LastStatus
    {
        get
        {
            lock (_gate)
            {
                return _lastStatus;
            }
        }
        set
        {
            lock (_gate)
            {
                _lastStatus = value;
            }
        }
    }

    public string? LastStatusName => LastStatus is { } s ? s.String("status") : null;

    public bool IsTerminal => LastStatusName is { } name && JobStatuses.IsTerminal(name);

    public IReadOnlyList<string> Violations => _violations.ToArray();

    public IReadOnlyList<ConnectionRecord> Connections => _connections.ToArray();

    public void Violation(string text) => _violations.Enqueue(text);

    public void Connection(ConnectionRecord record) => _connections.Enqueue(record);

    public override string ToString() =>
        $"job #{Index} {JobId ?? "(not accepted)"} [{string.Join(',', FileIds)}] {LastStatusName ?? "?"} follow={Follow}";
}
