namespace Delineate.Drills.Tests.Verification;

/// <summary>The outcome of verifying one job.</summary>
public sealed record JobVerdict(
    string JobId,
    string Status,
    string? Error,
    IReadOnlyDictionary<string, int> FilesByStatus,
    IReadOnlyList<string> FileErrors,
    bool ArchiveVerified,
    double DurationSeconds,
    IReadOnlyList<string> Problems);
