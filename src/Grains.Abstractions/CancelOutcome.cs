namespace Delineate.Abstractions;

/// <summary>What a cancel request found.</summary>
public enum CancelOutcome
{
    Cancelled,
    AlreadyFinished,
    NotFound,
}
