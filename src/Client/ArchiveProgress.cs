namespace Delineate.Client;

/// <summary>How much of an archive has arrived; <see cref="TotalBytes"/> when the server said its length.</summary>
public readonly record struct ArchiveProgress(long BytesReceived, long? TotalBytes);
