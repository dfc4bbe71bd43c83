namespace Delineate.Drills.Tests.Health;

public sealed record HealthVerdict(
    string Process,
    int SamplesDuringOutage,
    int UnhealthyDuringOutage,
    IReadOnlyList<string> FailingChecksNamed,
    double? SecondsToReportUnhealthy,
    double? SecondsToRecoverAfterRestore,
    IReadOnlyList<string> AnswersDuringOutage);
