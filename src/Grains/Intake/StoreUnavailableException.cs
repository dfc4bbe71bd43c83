namespace Delineate.Grains.Intake;

/// <summary>
/// The job store did not answer in time (Redis down or restarting): the caller answers 503 with
/// Retry-After. It crosses grain calls, so it carries the cause's text, not the cause (Redis'
/// exceptions have no Orleans codec).
/// </summary>
[GenerateSerializer, Alias("Delineate.StoreUnavailableException")]
public sealed class StoreUnavailableException : Exception
{
    public StoreUnavailableException(string message) : base(message)
    {
    }

    public StoreUnavailableException(string message, Exception inner) : base($"{message} ({inner.GetType().Name}: {inner.Message})")
    {
    }
}
