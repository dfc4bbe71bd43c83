namespace Delineate.Drills.Tests.Reporting;

public sealed record FollowerStats(
    int Jobs,
    int SawTerminal,
    int GaveUp,
    int Connections,
    int Reconnects,
    IReadOnlyDictionary<string, int> ConnectionEnds,
    int TerminalAtSameSeq);
