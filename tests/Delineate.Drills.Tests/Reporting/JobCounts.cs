namespace Delineate.Drills.Tests.Reporting;

public sealed record JobCounts(
    int Requested,
    int Accepted,
    int NotAccepted,
    int Completed,
    int CompletedWithFailedFiles,
    int Failed,
    int Cancelled,
    int Lost,
    int ArchivesVerified,
    int Verified);
