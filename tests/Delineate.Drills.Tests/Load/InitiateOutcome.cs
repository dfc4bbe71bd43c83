namespace Delineate.Drills.Tests.Load;

/// <summary>How an initiate ended: the job id when a 202 came, else why not.</summary>
public sealed record InitiateOutcome(string? JobId, string IdempotencyKey, int Attempts, string LastAnswer, string? Problem);
