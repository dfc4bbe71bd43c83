namespace Delineate.Drills.Tests.Load;

public sealed record ServerErrorSample(DateTimeOffset At, string Route, int Code, string Gateway, string? Body);
