namespace Delineate.Drills.Tests.Intake;

/// <summary>
/// One answer to one <c>POST /v1/download/initiate</c> of an <see cref="IntakeBurst"/>: when it was sent
/// and answered, the status code (0: no answer: refused, reset or timed out), the raw Retry-After
/// header and its delay when it parsed, and the start of the body.
/// </summary>
public sealed record InitiateAnswer(
    int Index,
    DateTimeOffset SentAt,
    DateTimeOffset AnsweredAt,
    int Code,
    string? RetryAfter,
    TimeSpan? RetryAfterDelay,
    string? Body);
