namespace Delineate.Grains.Intake;

/// <summary>The job store did not answer in time: the caller answers 503 with Retry-After.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
