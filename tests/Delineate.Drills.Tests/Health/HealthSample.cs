namespace Delineate.Drills.Tests.Health;

/// <param name="Code">HTTP status, 0 when there was no answer.</param>
public sealed record HealthSample(DateTimeOffset At, string Process, int Code, IReadOnlyList<string> FailingChecks, string Body)
{
    public string Answer => Code == 0 ? Body : $"{Code} {string.Join(',', FailingChecks)}";
}
