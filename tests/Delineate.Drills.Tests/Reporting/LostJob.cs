namespace Delineate.Drills.Tests.Reporting;

public sealed record LostJob(string JobId, string LastKnownStatus, string Why);
