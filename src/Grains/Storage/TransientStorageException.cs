namespace Delineate.Grains.Storage;

/// <summary>A storage failure that a retry may cure.</summary>
public sealed class TransientStorageException(string message, Exception? inner = null) : Exception(message, inner);
